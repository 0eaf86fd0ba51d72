"""An image attached with -a to a vision model arrives in each wire format with its media type and bytes."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from tests.support.attachment_files import JPEG, PNG
from tests.support.config_files import write_config
from tests.support.llm_server import LLMServer, WireAnswer


def _image_of(kind: str, body: dict) -> tuple[str, bytes]:
    """(media type, bytes) of the one image in the last user message of `body`, as `kind` sends it."""
    if kind == "openai":
        [url] = [c["image_url"]["url"] for c in body["messages"][-1]["content"] if c["type"] == "image_url"]
        head, _, data = url.partition(",")
        assert head.startswith("data:") and head.endswith(";base64")
        return head[len("data:") : -len(";base64")], base64.b64decode(data)
    if kind == "anthropic":
        [source] = [c["source"] for c in body["messages"][-1]["content"] if c["type"] == "image"]
        assert source["type"] == "base64"
        return source["media_type"], base64.b64decode(source["data"])
    [inline] = [p["inlineData"] for p in body["contents"][-1]["parts"] if "inlineData" in p]
    return inline["mimeType"], base64.b64decode(inline["data"])


@pytest.mark.parametrize("kind", ["openai", "anthropic", "gemini"])
@pytest.mark.parametrize(("name", "data", "media_type"), [("cat.png", PNG, "image/png"), ("dog.jpg", JPEG, "image/jpeg")])
def test_an_image_goes_as_each_wire_format_wants_it(
    kind: str, name: str, data: bytes, media_type: str, run_main, tmp_path: Path, llm_server: LLMServer
) -> None:
    llm_server.default = WireAnswer("a cat")
    Path(name).write_bytes(data)
    config = write_config(tmp_path / "conf", {"default_model": "eyes", "providers": {"p": llm_server.provider_config(kind)}},
                          [{"name": "eyes", "provider": "p", "id": "vision-1", "vision": True}])  # fmt: skip
    rc, out, err = run_main("--config", str(config), "-a", name, "what is this?")
    assert (rc, out) == (0, "a cat\n"), err
    body = llm_server.requests[-1].json()
    assert _image_of(kind, body) == (media_type, data)
    assert "what is this?" in str(body)
