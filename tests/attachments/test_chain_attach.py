"""A chain step's `attach:` list: paths relative to the config file's folder, sent with the step's prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import config as config_module
from app.chains import plan_chain, run_chain
from app.chains.run import StepFailedError
from app.keys import KeyRing
from app.runtime import Runtime
from app.types import Part
from tests.support.attachment_files import PNG, Recording
from tests.support.config_files import write_config


def chain_world(folder: Path, attach: str) -> tuple[Runtime, Recording]:
    path = write_config(folder, f"""
        default_model: echo
        providers:
          echo: {{kind: echo}}
        chains:
          read:
            steps:
              - id: summary
                prompt: "Summarize: {{{{ input }}}}"
                attach: {attach}
        """, "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    cfg, _ = config_module.load(str(path))
    runtime = Runtime(cfg, KeyRing(folder / "vault.enc"))
    recording = Recording()
    runtime._providers["echo"] = recording  # type: ignore[assignment]
    return runtime, recording


async def test_a_steps_attachments_are_read_from_the_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "conf"
    runtime, recording = chain_world(folder, "[docs/a.txt]")
    (folder / "docs").mkdir()
    (folder / "docs" / "a.txt").write_text("attached words")
    plan = plan_chain(runtime.config, "read")
    await run_chain(runtime, plan, "this", base_dir=folder)
    [message] = recording.sent[0]
    assert message.parts == (Part("file", "attached words", name="docs/a.txt", media_type="text/plain"),
                             Part("text", "Summarize: this"))  # fmt: skip


async def test_an_image_step_for_a_model_without_vision_fails_naming_why(tmp_path: Path) -> None:
    runtime, recording = chain_world(tmp_path, "cat.png")
    (tmp_path / "cat.png").write_bytes(PNG)
    with pytest.raises(StepFailedError, match="echo cannot take images"):
        await run_chain(runtime, plan_chain(runtime.config, "read"), "x", base_dir=tmp_path)
    assert recording.sent == []
