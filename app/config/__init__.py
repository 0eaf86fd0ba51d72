"""config.yaml and models.yaml: their schema, where they are found, and their problems at file:line.

    config, sources = load()            # discovered: --config, $ORCH_CONFIG, ./.orch/config.yaml, XDG, defaults
    result = check(path)                # every problem, each `file:line: what is wrong`
    config.find_model("sonnet")         # a ModelConfig, by name or alias
"""

from app.config._check import CheckResult, check, load
from app.config._discovery import defaults_dir, discover, state_dir
from app.config._yaml import MAX_NODES, line_for, load_with_lines
from app.config._schema import (
    AnthropicProviderConfig,
    ChainConfig,
    Config,
    EchoProviderConfig,
    GeminiProviderConfig,
    KeySpec,
    ModelConfig,
    ModelOptions,
    Models,
    NetworkConfig,
    OpenAIProviderConfig,
    Pricing,
    ProviderConfig,
    RoleConfig,
    Sources,
    StepConfig,
    UIConfig,
    VaultConfig,
    WhenConfig,
)

__all__ = [
    "MAX_NODES",
    "AnthropicProviderConfig",
    "ChainConfig",
    "CheckResult",
    "Config",
    "EchoProviderConfig",
    "GeminiProviderConfig",
    "KeySpec",
    "ModelConfig",
    "ModelOptions",
    "Models",
    "NetworkConfig",
    "OpenAIProviderConfig",
    "Pricing",
    "ProviderConfig",
    "RoleConfig",
    "Sources",
    "StepConfig",
    "UIConfig",
    "VaultConfig",
    "WhenConfig",
    "check",
    "defaults_dir",
    "discover",
    "line_for",
    "load",
    "load_with_lines",
    "state_dir",
]
