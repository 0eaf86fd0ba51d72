"""config.yaml and models.yaml: their schema, where they are found, and their problems at file:line.

    config, sources = load()            # discovered: --config, $ORCH_CONFIG, ./config.yaml, XDG, defaults
    result = check(path)                # every problem, each `file:line: what is wrong`
    config.find_model("sonnet")         # a ModelConfig, by name or alias
"""

from app.config._files import (
    CheckResult,
    check,
    defaults_dir,
    discover,
    line_for,
    load,
    load_with_lines,
    state_dir,
)
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
    Sources,
    StepConfig,
    UIConfig,
    VaultConfig,
    WhenConfig,
)

__all__ = [
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
