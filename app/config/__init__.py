"""config.yaml and models.yaml: their schema, where they are found, and their problems at file:line.

    config, sources = load()            # discovered: --config, $ORCH_CONFIG, ./.orch/config.yaml, XDG, defaults
    result = check(path)                # every problem, each `file:line: what is wrong`
    config.find_model("sonnet")         # a ModelConfig, by name or alias
"""

from typing import TYPE_CHECKING

from app._lazy import lazy_names

from app.config._base import unknown_key
from app.config._discovery import defaults_dir, discover, state_dir, why_not_a_file
from app.config._peek import peek_default_model

if TYPE_CHECKING:
    from app.config._check import CheckResult, check
    from app.config._load import load
    from app.config._chains import ChainConfig, StepConfig, WhenConfig
    from app.config._schema import (AnthropicProviderConfig, BudgetConfig, Config, EchoProviderConfig,
                                    GeminiProviderConfig, KeySpec, ModelConfig, ModelOptions, Models, NetworkConfig,
                                    OpenAIProviderConfig, Pricing, ProviderConfig, RateLimit, RoleConfig, Sources,
                                    UIConfig, VaultConfig)  # fmt: skip
    from app.config._yaml import MAX_NODES, line_for, load_with_lines

# Where the files are is answered at once; the schema and the YAML reader are
# imported when first named, so that the REPL's prompt does not wait for them.
_LAZY = {
    **dict.fromkeys(("CheckResult", "check"), "_check"),
    "load": "_load",
    **dict.fromkeys(("MAX_NODES", "line_for", "load_with_lines"), "_yaml"),
    **dict.fromkeys(("ChainConfig", "StepConfig", "WhenConfig"), "_chains"),
    **dict.fromkeys(("AnthropicProviderConfig", "BudgetConfig", "Config", "EchoProviderConfig",
                     "GeminiProviderConfig", "KeySpec", "ModelConfig", "ModelOptions", "Models", "NetworkConfig",
                     "OpenAIProviderConfig", "Pricing", "ProviderConfig", "RateLimit", "RoleConfig", "Sources",
                     "UIConfig", "VaultConfig"), "_schema"),
}  # fmt: skip


__getattr__ = lazy_names(__name__, globals(), _LAZY)

__all__ = [
    "MAX_NODES",
    "AnthropicProviderConfig",
    "BudgetConfig",
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
    "RateLimit",
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
    "peek_default_model",
    "state_dir",
    "unknown_key",
    "why_not_a_file",
]
