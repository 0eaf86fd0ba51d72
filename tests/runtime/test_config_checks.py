"""`config check` on fallback names and `cache: auto`."""

from __future__ import annotations

from pathlib import Path

from app.config import check
from tests.support import config_files

CONFIG = """\
    default_model: a
    providers:
      ant: {kind: anthropic}
      oai: {kind: openai, base_url: 'http://127.0.0.1:9/v1'}
    """


def problems(tmp_path: Path, models: str) -> list[str]:
    return check(config_files.write_config(tmp_path, CONFIG, models)).problems


def test_fallbacks_must_be_known_models_other_than_itself(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        models:
          - {name: a, provider: ant, id: x, aliases: [aa], fallback: [b, aa, bb-typo]}
          - {name: b, provider: oai, id: y}
        """)
    assert any("models.yaml:2:" in p and "cannot fall back to itself" in p for p in found)
    assert any("falls back to unknown model 'bb-typo'" in p for p in found)
    assert len(found) == 2


def test_cache_auto_is_for_anthropic_models_only(tmp_path: Path) -> None:
    found = problems(tmp_path, """\
        models:
          - {name: a, provider: ant, id: x, cache: auto}
          - {name: b, provider: oai, id: y, cache: auto}
        """)
    assert len(found) == 1 and "model 'b': cache: auto is for anthropic models" in found[0]
