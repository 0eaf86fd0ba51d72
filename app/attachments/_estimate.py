"""How many tokens a message will take, estimated before it is sent, and the checks made on it.

The rule, the same for every provider (no tokenizer is downloaded at run time):

- text: one token per 4 characters, rounded up — close for English prose and
  code with the BPE tokenizers of OpenAI, Anthropic and Gemini, and on the high
  side for most other text;
- an image: 1,600 tokens. Anthropic counts width × height / 750 and scales an image
  down to about 1.15 megapixels first, so 1,600 is its most; OpenAI counts 85 + 170
  per 512 px tile (765 for a 1024 × 1024 image in high detail), Gemini 258 per
  768 px tile. 1,600 is the upper figure of the three for an ordinary image.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from typing import TYPE_CHECKING
from app.errors import UsageError
from app.types import Message, Part

if TYPE_CHECKING:
    from app.config import ModelConfig

CHARS_PER_TOKEN = 4
IMAGE_TOKENS = 1600


def estimate_tokens(parts: Iterable[Part]) -> int:
    """The estimated tokens of `parts` (see the module's rule)."""
    chars = 0
    images = 0
    for part in parts:
        if part.kind == "image":
            images += 1
        else:
            chars += len(part.text) + len(part.name or "")
    return -(-chars // CHARS_PER_TOKEN) + images * IMAGE_TOKENS


def check_sendable(
    model: ModelConfig, messages: Sequence[Message], system: str | None, models: Sequence[ModelConfig]
) -> None:
    """Refuse what `model` cannot take: images when it has no `vision: true`, and more tokens
    than its `context_window` (when models.yaml gives one). One-shot, the REPL and chains all ask here.

    Raises:
        UsageError: saying which, with the sizes or the models that can see images.
    """
    parts = [part for message in messages for part in message.all_parts]
    if not model.vision and any(part.kind == "image" for part in parts):
        able = [m.name for m in models if m.vision]
        hint = f"Models with vision: {', '.join(able)}." if able else "No model in models.yaml has `vision: true`."
        raise UsageError(f"{model.name} cannot take images (models.yaml does not give it `vision: true`)", hint)
    if model.context_window is None:
        return
    tokens = estimate_tokens(parts) + (-(-len(system) // CHARS_PER_TOKEN) if system else 0)
    if tokens > model.context_window:
        raise UsageError(
            f"the message would be about {tokens:,} tokens with the conversation, more than the"
            f" {model.context_window:,} of {model.name}'s context window",
            "Attach less (/file --clear), start a new conversation, or pick a model with a larger one.",
        )
