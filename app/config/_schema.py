"""The schema of config.yaml and models.yaml, as pydantic models (`extra="forbid"`)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from app.config._tools import McpServersConfig, ToolsConfig
from app.errors import UsageError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeySpec(_Strict):
    """Where a provider's key is found: the vault first, then the env var."""

    vault: str | None = None
    env: str | None = None


def _http_url(value: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be an http:// or https:// URL, such as https://api.openai.com/v1")
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]


def _one_item_list(value: Any) -> Any:
    """A lone string where a list of strings is expected (`-o stop=END`) is a list of one."""
    return [value] if isinstance(value, str) else value


class RateLimit(_Strict):
    """What a provider allows per minute: requests and tokens (`orch batch` keeps within it)."""

    rpm: int | None = Field(default=None, gt=0)
    tpm: int | None = Field(default=None, gt=0)


class _HttpProvider(_Strict):
    base_url: HttpUrl
    key: KeySpec | None = None
    headers: dict[str, str] = {}
    rate_limit: RateLimit | None = None


class OpenAIProviderConfig(_HttpProvider):
    kind: Literal["openai"]


class AnthropicProviderConfig(_HttpProvider):
    kind: Literal["anthropic"]
    base_url: HttpUrl = "https://api.anthropic.com"


class GeminiProviderConfig(_HttpProvider):
    kind: Literal["gemini"]
    base_url: HttpUrl = "https://generativelanguage.googleapis.com"


class EchoProviderConfig(_Strict):
    kind: Literal["echo"]
    delay_s: float = Field(default=0.0, ge=0)
    key: None = None


ProviderConfig = Annotated[
    OpenAIProviderConfig | AnthropicProviderConfig | GeminiProviderConfig | EchoProviderConfig,
    Field(discriminator="kind"),
]


class ModelOptions(_Strict):
    """Sampling options a model may be given; `/set` and `-o` are checked against these."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, gt=0)
    top_p: float | None = Field(default=None, ge=0, le=1)
    top_k: int | None = Field(default=None, gt=0)
    seed: int | None = None
    stop: Annotated[list[str] | None, BeforeValidator(_one_item_list)] = None
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high", "xhigh", "max"] | None = None
    thinking_budget: int | None = Field(default=None, ge=0)

    def merged(self, overrides: Mapping[str, Any]) -> ModelOptions:
        """These options with `overrides` on top, validated again."""
        return ModelOptions.model_validate({**self.model_dump(exclude_none=True), **overrides})

    def to_request(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class Pricing(_Strict):
    """USD per million tokens; `cache_read`/`cache_write` for input read from or written to a prompt cache."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)


class ModelConfig(_Strict):
    name: str
    provider: str
    id: str
    aliases: list[str] = []
    options: ModelOptions = ModelOptions()
    pricing: Pricing | None = None
    description: str | None = None
    context_window: int | None = Field(default=None, gt=0)
    vision: bool = False
    fallback: list[str] = []
    cache: Literal["auto", "off"] = "off"


class NetworkConfig(_Strict):
    timeout_s: float = Field(default=120, gt=0)
    connect_timeout_s: float = Field(default=10, gt=0)
    read_timeout_s: float | None = Field(default=None, gt=0)
    max_retries: int = Field(default=4, ge=0, le=20)
    max_answer_mb: float = Field(default=16, gt=0)


class VaultConfig(_Strict):
    path: str | None = None
    idle_lock_minutes: float = Field(default=30, ge=0)


class UIConfig(_Strict):
    markdown: bool = True
    code_theme: str = "monokai"
    vi_mode: bool = False


class WhenConfig(_Strict):
    """A condition on an earlier step's output; exactly one test is given.

    `contains` / `not_contains` look for a substring, `equals` compares the
    output stripped of surrounding whitespace, `matches` is a regular
    expression searched for (`re.search`; `(?i)` makes it ignore case).
    """

    step: str
    contains: str | None = None
    not_contains: str | None = None
    equals: str | None = None
    matches: str | None = None


class StepConfig(_Strict):
    """One step: a prompt template sent to a model.

    `needs` unset means "the step before"; `needs: []` means "at once".
    """

    id: str
    prompt: str
    model: str | None = None
    system: str | None = None
    options: dict[str, Any] = {}
    needs: list[str] | None = None
    when: WhenConfig | None = None
    tools: list[str] = []
    schema_: str | dict[str, Any] | None = Field(default=None, alias="schema")
    attach: Annotated[list[str], BeforeValidator(_one_item_list)] = []


class ChainConfig(_Strict):
    """A chain of steps.

    `variables` declares the `KEY=VALUE` pairs a run may be given, each with
    its default (null: the run must give it). `output` names the step whose
    output is the chain's (default: the last step), or a list of steps of
    which the first non-empty output is the chain's (branches of which only
    one runs, or a step and its fallback).
    """

    description: str | None = None
    variables: dict[str, str | None] = {}
    steps: list[StepConfig] = Field(min_length=1)
    output: str | list[str] | None = None


class BudgetConfig(_Strict):
    """USD limits: for the whole session, and for one answer (a chain: for the whole run)."""

    session_usd: float | None = Field(default=None, gt=0)
    answer_usd: float | None = Field(default=None, gt=0)


class RoleConfig(_Strict):
    """A role given in config.yaml: a system prompt (`prompt`, Jinja2 with `{{ input }}`) with its settings."""

    prompt: str
    description: str | None = None
    model: str | None = None
    options: dict[str, Any] = {}
    tools: list[str] = []


class Config(_Strict):
    default_model: str = "echo"
    system_prompt: str | None = None
    models_file: str | None = None
    network: NetworkConfig = NetworkConfig()
    vault: VaultConfig = VaultConfig()
    ui: UIConfig = UIConfig()
    tools: ToolsConfig = ToolsConfig()
    mcp_servers: McpServersConfig = {}
    providers: dict[str, ProviderConfig] = {}
    chains: dict[str, ChainConfig] = {}
    budget: BudgetConfig = BudgetConfig()
    roles: dict[str, RoleConfig] = {}
    roles_dirs: list[str] = []
    # Filled from models.yaml, not from config.yaml.
    models: list[ModelConfig] = []

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


class Models(_Strict):
    models: list[ModelConfig] = []


@dataclass(frozen=True)
class Sources:
    """Which files a configuration came from."""

    config: Path
    models: Path
