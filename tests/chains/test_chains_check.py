"""Chains are checked before they run: every kind of problem, with file:line, chain and step."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.chains import templates as chain_templates
from app.chains import Condition, build_plan
from app.chains import check_chains, plan_chain
from app.cli import main
from app.config import check, defaults_dir
from app.errors import ConfigError, UsageError
from tests.support.chain_world import load_config, write_config

MARK = "# <-"


def problems_for(tmp_path: Path, chains_yaml: str) -> tuple[list[str], Path]:
    path = write_config(tmp_path, chains_yaml)
    config, sources = load_config(path)
    return check_chains(config, sources), path


def marked_line(path: Path) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if MARK in line:
            return number
    raise AssertionError("no marked line")


# Each case: the chain (the line the problem must point at ends with MARK), then what the message says.
CASES = {
    "duplicate id": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - {id: a, prompt: y}  # <-
        """,
        "step 'a': the id is already used by step 1",
    ),
    "bad id": (
        """
        chains:
          c:
            steps:
              - {id: "2 words", prompt: x}  # <-
        """,
        "step '2 words': a step id is letters",
    ),
    "unknown model": (
        """
        chains:
          c:
            steps:
              - id: a
                model: ecko  # <-
                prompt: x
        """,
        "step 'a': unknown model 'ecko' (did you mean 'echo'?)",
    ),
    "unknown need": (
        """
        chains:
          c:
            steps:
              - {id: draft, prompt: x}
              - id: b
                needs:
                  - drafts  # <-
                prompt: x
        """,
        "step 'b': needs unknown step 'drafts' (did you mean 'draft'?)",
    ),
    "needs itself": (
        """
        chains:
          c:
            steps:
              - id: a
                needs:
                  - a  # <-
                prompt: x
        """,
        "step 'a': a step cannot need itself",
    ),
    "cycle": (
        """
        chains:
          c:
            steps:
              - id: a
                needs: [c]  # <-
                prompt: x
              - {id: b, prompt: x}
              - {id: c, prompt: x}
        """,
        "the needs form a cycle: a → b → c → a",
    ),
    "template syntax": (
        """
        chains:
          c:
            steps:
              - id: a
                prompt: "{% if %}"  # <-
        """,
        "step 'a': prompt: template syntax error",
    ),
    "unknown variable": (
        """
        chains:
          c:
            variables: {tone: formal}
            steps:
              - id: a
                prompt: "{{ input }} in a {{ tonne }} tone"  # <-
        """,
        "step 'a': prompt uses unknown variable 'tonne' (did you mean 'tone'?)",
    ),
    "unknown step in template": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - id: b
                prompt: "{{ steps.nope }}"  # <-
        """,
        "step 'b': prompt uses steps.nope, but there is no step 'nope'",
    ),
    "template step that does not run before": (
        """
        chains:
          c:
            steps:
              - id: a
                needs: []
                prompt: x
              - id: b
                needs: []
                system: "Consider {{ steps['a'] }}"  # <-
                prompt: x
        """,
        "step 'b': system uses steps.a, which does not run before 'b'; add it to needs",
    ),
    "private attribute": (
        """
        chains:
          c:
            steps:
              - id: a
                prompt: "{{ input.__class__ }}"  # <-
        """,
        "step 'a': prompt reads '__class__'",
    ),
    "when without a test": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - id: b
                when: {step: a}  # <-
                prompt: x
        """,
        "step 'b': when needs exactly one of contains, not_contains, equals, matches (it has none)",
    ),
    "when with two tests": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - id: b
                when: {step: a, contains: x, equals: y}  # <-
                prompt: x
        """,
        "(it has 2)",
    ),
    "when on an unknown step": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - id: b
                when:
                  step: z  # <-
                  contains: x
                prompt: x
        """,
        "step 'b': when names unknown step 'z'",
    ),
    "when on a step that does not run before": (
        """
        chains:
          c:
            steps:
              - {id: a, needs: [], prompt: x}
              - id: b
                needs: []
                when:
                  step: a  # <-
                  equals: "yes"
                prompt: x
        """,
        "step 'b': when tests 'a', which does not run before 'b'; add it to needs",
    ),
    "bad regex": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - id: b
                when:
                  step: a
                  matches: "([a-z"  # <-
                prompt: x
        """,
        "step 'b': when.matches is not a valid regular expression",
    ),
    "unknown option": (
        """
        chains:
          c:
            steps:
              - id: a
                prompt: x
                options:
                  temprature: 0.2  # <-
        """,
        "step 'a': unknown option 'temprature'",
    ),
    "bad option value": (
        """
        chains:
          c:
            steps:
              - id: a
                prompt: x
                options:
                  temperature: 9  # <-
        """,
        "step 'a': option temperature:",
    ),
    "unknown output": (
        """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
            output: b  # <-
        """,
        "chain 'c': output names unknown step 'b'",
    ),
    "reserved variable": (
        """
        chains:
          c:
            variables:
              input: x  # <-
            steps:
              - {id: a, prompt: x}
        """,
        "chain 'c': 'input' cannot be a variable name",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_kind_of_problem_is_reported_with_file_line_chain_and_step(tmp_path: Path, case: str) -> None:
    chains_yaml, expected = CASES[case]
    problems, path = problems_for(tmp_path, chains_yaml)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:{marked_line(path)}: chain 'c'"), problems[0]
    assert expected in problems[0]


def test_every_problem_is_gathered_in_file_order(tmp_path: Path) -> None:
    problems, _ = problems_for(
        tmp_path,
        """
        chains:
          c:
            steps:
              - {id: a, model: nope, prompt: "{{ foo }}"}
              - {id: b, needs: [zz], prompt: x}
            output: q
        """,
    )
    assert len(problems) == 4
    lines = [int(re.match(r".*?:(\d+):", p).group(1)) for p in problems]
    assert lines == sorted(lines)


def test_shipped_chains_are_clean_and_useful() -> None:
    result = check(defaults_dir() / "config.yaml")
    assert result.config is not None, result.problems
    assert check_chains(result.config, result.sources) == []
    assert len(result.config.chains) >= 3
    plan = plan_chain(result.config, "panel")
    assert [len(wave) for wave in plan.waves()] == [3, 1]


def test_config_check_prints_chain_problems_and_exits_2(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path, "chains:\n  c:\n    steps:\n      - {id: a, needs: [b], prompt: x}  # <-\n")
    assert main(["--config", str(path), "config", "check"]) == 2
    out = capsys.readouterr().out
    assert f"{path}:{marked_line(path)}: chain 'c', step 'a': needs unknown step 'b'" in out


def test_running_a_chain_with_problems_is_a_config_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, "chains:\n  c:\n    steps:\n      - {id: a, model: nope, prompt: x}  # <-\n")
    config, sources = load_config(path)
    with pytest.raises(ConfigError) as caught:
        plan_chain(config, "c", sources)
    assert caught.value.exit_code == 2
    assert caught.value.problems == [f"{path}:{marked_line(path)}: chain 'c', step 'a': unknown model 'nope'"]
    with pytest.raises(UsageError, match="unknown chain 'd'"):
        plan_chain(config, "d")


# --- what a plan holds ----------------------------------------------------------------------


def test_a_step_without_needs_follows_the_one_before_and_empty_needs_start_at_once(tmp_path: Path) -> None:
    config, _ = load_config(write_config(tmp_path, """
        chains:
          c:
            steps:
              - {id: a, prompt: x}
              - {id: b, prompt: x}
              - {id: c, needs: [], prompt: x}
              - {id: d, needs: [b, c], prompt: x}
        """))  # fmt: skip
    plan, problems = build_plan(config, "c")
    assert problems == [] and plan is not None
    assert [s.needs for s in plan.steps] == [(), ("a",), (), ("b", "c")]
    assert plan.step("d").predecessors == {"a", "b", "c"}
    assert [[s.id for s in wave] for wave in plan.waves()] == [["a", "c"], ["b"], ["d"]]
    assert plan.output == ("d",)


@pytest.mark.parametrize(
    ("test", "value", "output", "holds"),
    [
        ("contains", "flaw", "two flaws", True),
        ("contains", "flaw", "fine", False),
        ("not_contains", "NO FLAWS", "NO FLAWS", False),
        ("not_contains", "NO FLAWS", "a flaw", True),
        ("equals", "CODE", "  CODE\n", True),
        ("equals", "CODE", "CODE!", False),
        ("matches", r"(?i)\bcode\b", "It is Code.", True),
        ("matches", r"^\d+$", "12a", False),
    ],
)
def test_conditions(test: str, value: str, output: str, holds: bool) -> None:
    pattern = re.compile(value) if test == "matches" else None
    assert Condition("a", test, value, pattern).holds(output) is holds  # type: ignore[arg-type]


def test_variables_bind_over_their_defaults(tmp_path: Path) -> None:
    config, _ = load_config(write_config(tmp_path, """
        chains:
          c:
            variables: {tone: formal, who: null}
            steps:
              - {id: a, prompt: "{{ who }} {{ tone }}"}
        """))  # fmt: skip
    plan = plan_chain(config, "c")
    assert plan.bind({"who": "Ada"}) == {"tone": "formal", "who": "Ada"}
    with pytest.raises(UsageError, match="needs who"):
        plan.bind({})
    with pytest.raises(UsageError, match="has no variable 'mood'"):
        plan.bind({"who": "Ada", "mood": "x"})


# --- the sandbox ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["{{ input.__class__ }}", "{{ input.__class__.__mro__[1].__subclasses__() }}", "{{ input['__class__'] }}",
     "{{ steps.a.__init__.__globals__ }}", "{{ input.format.__self__ }}"],
)  # fmt: skip
def test_the_sandbox_refuses_reaching_into_python(source: str) -> None:
    env = chain_templates.environment()
    template = chain_templates.compile_template(env, source)
    with pytest.raises(chain_templates.TemplateProblem, match="refused|error"):
        chain_templates.render(template, {"input": "hi", "steps": {"a": "x"}})


def test_unknown_names_are_errors_not_empty_strings() -> None:
    env = chain_templates.environment()
    template = chain_templates.compile_template(env, "{{ steps.b }}")
    with pytest.raises(chain_templates.TemplateProblem, match="has no attribute 'b'"):
        chain_templates.render(template, {"input": "", "steps": {"a": "x"}})


def test_analysis_finds_names_and_step_references() -> None:
    info = chain_templates.analyse(
        chain_templates.environment(),
        "{% set n = 2 %}{{ input }} {{ steps.a }} {{ steps['b-c'] }} {{ tone|upper }} {{ n }}",
    )
    assert info.names == {"input", "steps", "tone"}
    assert info.step_refs == {"a", "b-c"}
