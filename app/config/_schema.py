"""The schema of config.yaml and models.yaml, as frozen dataclasses that pydantic validates (`_base`)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from app.config._base import Section, one_item_list
from app.config._chains import ChainConfig
from app.config._tools import McpServerConfig, ToolsConfig
from app.errors import UsageError

if TYPE_CHECKING:
    from pydantic import BeforeValidator, Field

    from app.config._tools import ServerName

    HttpUrl = str
    ProviderConfig = "OpenAIProviderConfig | AnthropicProviderConfig | GeminiProviderConfig | EchoProviderConfig"


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an http:// or https:// URL, such as https://api.openai.com/v1")
    return value


def pydantic_names() -> dict[str, Any]:
    """The names this module's annotations take from pydantic, made when a file is first validated."""
    from pydantic import AfterValidator, BeforeValidator, Field

    from app.config import _tools

    return {
        **_tools.pydantic_names(),
        "Field": Field,
        "BeforeValidator": BeforeValidator,
        "HttpUrl": Annotated[str, AfterValidator(_http_url)],
        "ProviderConfig": Annotated[
            OpenAIProviderConfig | AnthropicProviderConfig | GeminiProviderConfig | EchoProviderConfig,
            Field(discriminator="kind"),
        ],
    }


@dataclass(kw_only=True, repr=False, eq=False)
class KeySpec(Section):
    """Where a provider's key is found: the vault first, then the env var."""

    vault: str | None = None
    env: str | None = None


@dataclass(kw_only=True, repr=False, eq=False)
class RateLimit(Section):
    """What a provider allows per minute: requests and tokens (`orch batch` keeps within it)."""

    rpm: Annotated[int | None, Field(gt=0)] = None
    tpm: Annotated[int | None, Field(gt=0)] = None


@dataclass(kw_only=True, repr=False, eq=False)
class _HttpProvider(Section):
    base_url: HttpUrl
    key: KeySpec | None = None
    headers: dict[str, str] = field(default_factory=dict)
    rate_limit: RateLimit | None = None


@dataclass(kw_only=True, repr=False, eq=False)
class OpenAIProviderConfig(_HttpProvider):
    kind: Literal["openai"]


@dataclass(kw_only=True, repr=False, eq=False)
class AnthropicProviderConfig(_HttpProvider):
    kind: Literal["anthropic"]
    base_url: HttpUrl = "https://api.anthropic.com"


@dataclass(kw_only=True, repr=False, eq=False)
class GeminiProviderConfig(_HttpProvider):
    kind: Literal["gemini"]
    base_url: HttpUrl = "https://generativelanguage.googleapis.com"


@dataclass(kw_only=True, repr=False, eq=False)
class EchoProviderConfig(Section):
    kind: Literal["echo"]
    delay_s: Annotated[float, Field(ge=0)] = 0.0
    key: None = None


@dataclass(kw_only=True, repr=False, eq=False)
class ModelOptions(Section):
    """Sampling options a model may be given; `/set` and `-o` are checked against these."""

    temperature: Annotated[float | None, Field(ge=0, le=2)] = None
    max_tokens: Annotated[int | None, Field(gt=0)] = None
    top_p: Annotated[float | None, Field(ge=0, le=1)] = None
    top_k: Annotated[int | None, Field(gt=0)] = None
    seed: int | None = None
    stop: Annotated[list[str] | None, BeforeValidator(one_item_list)] = None
    presence_penalty: Annotated[float | None, Field(ge=-2, le=2)] = None
    frequency_penalty: Annotated[float | None, Field(ge=-2, le=2)] = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = None
    thinking_budget: Annotated[int | None, Field(ge=0)] = None

    def merged(self, overrides: Mapping[str, Any]) -> ModelOptions:
        """These options with `overrides` on top, validated again (none: these options as they are)."""
        if not overrides:
            return self
        return ModelOptions.model_validate({**self.to_request(), **overrides})

    def to_request(self) -> dict[str, Any]:
        """The options that are set, by name."""
        return {f.name: value for f in fields(self) if (value := getattr(self, f.name)) is not None}


@dataclass(kw_only=True, repr=False, eq=False)
class Pricing(Section):
    """USD per million tokens; `cache_read`/`cache_write` for input read from or written to a prompt cache."""

    input: Annotated[float, Field(ge=0)]
    output: Annotated[float, Field(ge=0)]
    cache_read: Annotated[float | None, Field(ge=0)] = None
    cache_write: Annotated[float | None, Field(ge=0)] = None


@dataclass(kw_only=True, repr=False, eq=False)
class ModelConfig(Section):
    name: str
    provider: str
    id: str
    aliases: list[str] = field(default_factory=list)
    options: ModelOptions = field(default_factory=ModelOptions)
    pricing: Pricing | None = None
    description: str | None = None
    context_window: Annotated[int | None, Field(gt=0)] = None
    vision: bool = False
    fallback: list[str] = field(default_factory=list)
    cache: Literal["auto", "off"] = "off"

    @property
    def label(self) -> str:
        """The name with its aliases, as the model lists show it: `sonnet (s, claude)`."""
        return self.name + (f" ({', '.join(self.aliases)})" if self.aliases else "")

    @property
    def price_label(self) -> str:
        """USD per million input / output tokens, as the model lists show it: `$3 / $15`; empty when unpriced."""
        return f"${self.pricing.input:g} / ${self.pricing.output:g}" if self.pricing else ""


@dataclass(kw_only=True, repr=False, eq=False)
class NetworkConfig(Section):
    timeout_s: Annotated[float, Field(gt=0)] = 120
    connect_timeout_s: Annotated[float, Field(gt=0)] = 10
    read_timeout_s: Annotated[float | None, Field(gt=0)] = None
    max_retries: Annotated[int, Field(ge=0, le=20)] = 4
    max_answer_mb: Annotated[float, Field(gt=0)] = 16


@dataclass(kw_only=True, repr=False, eq=False)
class VaultConfig(Section):
    path: str | None = None
    idle_lock_minutes: Annotated[float, Field(ge=0)] = 30


@dataclass(kw_only=True, repr=False, eq=False)
class UIConfig(Section):
    markdown: bool = True
    code_theme: str = "monokai"
    vi_mode: bool = False


@dataclass(kw_only=True, repr=False, eq=False)
class BudgetConfig(Section):
    """USD limits: for the whole session, and for one answer (a chain: for the whole run)."""

    session_usd: Annotated[float | None, Field(gt=0)] = None
    answer_usd: Annotated[float | None, Field(gt=0)] = None


@dataclass(kw_only=True, repr=False, eq=False)
class RoleConfig(Section):
    """A role given in config.yaml: a system prompt (`prompt`, Jinja2 with `{{ input }}`) with its settings."""

    prompt: str
    description: str | None = None
    model: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    tools: list[str] = field(default_factory=list)


@dataclass(kw_only=True, repr=False, eq=False)
class Config(Section):
    default_model: str = "echo"
    system_prompt: str | None = None
    models_file: str | None = None
    network: NetworkConfig = field(default_factory=NetworkConfig)
    vault: VaultConfig = field(default_factory=VaultConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    tools: ToolsConfig = field(default_factory=ToolsConfig)
    mcp_servers: dict[ServerName, McpServerConfig] = field(default_factory=dict)
    providers: dict[str, ProviderConfig] = field(default_factory=dict)
    chains: dict[str, ChainConfig] = field(default_factory=dict)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
    roles: dict[str, RoleConfig] = field(default_factory=dict)
    roles_dirs: list[str] = field(default_factory=list)
    # Filled from models.yaml, not from config.yaml.
    models: list[ModelConfig] = field(default_factory=list)

    def find_model(self, name: str) -> ModelConfig:
        """The model called `name` (or aliased so).

        Raises:
            UsageError: no such model, with the nearest names as a hint.
        """
        for model in self.models:
            if name == model.name or name in model.aliases:
                return model
        known = [m.name for m in self.models] + [a for m in self.models for a in m.aliases]
        near = difflib.get_close_matches(name, known, n=3)
        hint = f"Did you mean {', '.join(near)}?" if near else "`orch models` lists the models."
        raise UsageError(f"unknown model '{name}'", hint)


@dataclass(kw_only=True, repr=False, eq=False)
class Models(Section):
    models: list[ModelConfig] = field(default_factory=list)


@dataclass(frozen=True)
class Sources:
    """Which files a configuration came from."""

    config: Path
    models: Path
