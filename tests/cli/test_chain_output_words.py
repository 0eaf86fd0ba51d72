"""A list `output:` is the first non-empty one, and every text says so (issue 10 item 18)."""

from __future__ import annotations

from app.chains.dry_run import describe_output
from app.config import defaults_dir


def test_dry_run_says_first_non_empty(run_main):
    rc, out, _ = run_main("chain", "review", "why?", "--dry-run")
    assert rc == 0
    assert "output: rewrite, else draft" in out
    assert "rewrite + draft" not in out


def test_describe_output() -> None:
    assert describe_output(("only",)) == "only"
    assert describe_output(("a", "b", "c")) == "a, else b, else c"


def test_the_shipped_config_comment_says_first_non_empty() -> None:
    text = (defaults_dir() / "config.yaml").read_text()
    assert "joined" not in text
    assert "the first of them\n#    whose output is not empty" in text
