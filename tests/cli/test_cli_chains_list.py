"""`orch chains`: the chains with their steps."""

from __future__ import annotations

from tests.support.config_files import write_config


def test_the_shipped_chains_are_listed_with_their_steps(run_main):
    rc, out, err = run_main("chains")
    assert rc == 0, err
    lines = out.splitlines()
    assert any(line.startswith("review — draft an answer") for line in lines)
    assert {"review", "triage", "panel"} <= {line.split(" ")[0] for line in lines if not line.startswith(" ")}
    assert any(line.strip().startswith("draft ·") for line in lines)
    assert any("rewrite" in line and line.startswith("  ") for line in lines)


def test_a_chain_with_problems_says_so_and_the_others_are_shown(run_main, world):
    config = write_config(world.cwd / ".orch", """
        default_model: echo
        providers: {echo: {kind: echo}}
        chains:
          good:
            steps:
              - {id: a, prompt: "{{ input }}"}
              - {id: b, prompt: "more {{ steps.a }}"}
          bad:
            steps:
              - {id: a, needs: [nope], prompt: x}
        """, "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    rc, out, err = run_main("--config", str(config), "chains")
    assert rc == 0, err
    assert out.splitlines() == ["good", "  a · echo", "  └─ b · echo", "bad", "  1 problem(s): run `orch config check`"]


def test_no_chains(run_main, world):
    config = write_config(world.cwd / ".orch", "default_model: echo\nproviders: {echo: {kind: echo}}\n",
                          "models:\n  - {name: echo, provider: echo, id: echo}\n")  # fmt: skip
    rc, out, _ = run_main("--config", str(config), "chains")
    assert (rc, out) == (0, "no chains yet: declare them under `chains:` in config.yaml\n")
