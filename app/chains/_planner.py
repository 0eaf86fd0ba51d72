"""The checks that make a plan of a chain: ids, needs, cycles, options, conditions and templates."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.chains import templates
from app.chains.plan import TESTS, ChainPlan, Condition, Problem, StepPlan, Test
from app.config import ChainConfig, Config, ModelConfig, StepConfig, unknown_key
from app.errors import UsageError

_STEP_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _near(word: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean '{near[0]}'?)" if near else ""


class Planner:
    """Checks one chain, gathering every problem rather than stopping at the first."""

    def __init__(self, config: Config, name: str, chain: ChainConfig) -> None:
        self.config = config
        self.name = name
        self.chain = chain
        self.problems: list[Problem] = []
        self.env = templates.environment()
        self.names_used: set[str] = set()

    def problem(self, loc: tuple, step: StepConfig | None, message: str) -> None:
        self.problems.append(Problem(("chains", self.name, *loc), self.name, step.id if step else None, message))

    def build(self) -> tuple[ChainPlan | None, list[Problem]]:
        steps = self.chain.steps
        first_index = self._check_ids(steps)
        self._check_variables()
        needs = {s.id: self._needs(i, s, first_index) for i, s in enumerate(steps) if first_index[s.id] == i}
        in_cycle = self._check_cycles(needs, first_index)
        preds = {sid: self._closure(sid, needs) for sid in needs}
        levels: dict[str, int] = {}
        if not in_cycle:
            for sid in needs:
                _level(sid, needs, levels)
        planned = []
        for i, step in enumerate(steps):
            known_preds = preds.get(step.id, frozenset()) if not in_cycle else None
            planned.append(self._plan_step(i, step, needs.get(step.id, ()), known_preds, levels.get(step.id, 0)))
        output = self._check_output(first_index)
        if self.problems:
            return None, self.problems
        uses_input = templates.INPUT in self.names_used
        plan = ChainPlan(
            self.name, self.chain.description, tuple(planned), output, dict(self.chain.variables), uses_input
        )
        return plan, []

    # --- structure --------------------------------------------------------------

    def _check_ids(self, steps: Sequence[StepConfig]) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, step in enumerate(steps):
            if not _STEP_ID.match(step.id):
                self.problem(("steps", i, "id"), step, "a step id is letters, digits, '_' or '-', not starting with a digit")
            if step.id in first:
                self.problem(("steps", i, "id"), step, f"the id is already used by step {first[step.id] + 1}")
            else:
                first[step.id] = i
        return first

    def _check_variables(self) -> None:
        for key in self.chain.variables:
            if key in (templates.INPUT, templates.STEPS) or not _VARIABLE.match(key):
                self.problem(("variables", key), None, f"'{key}' cannot be a variable name (reserved or not an identifier)")

    def _needs(self, i: int, step: StepConfig, first: Mapping[str, int]) -> tuple[str, ...]:
        if step.needs is None:
            return (self.chain.steps[i - 1].id,) if i else ()
        kept = []
        for j, need in enumerate(step.needs):
            if need not in first:
                self.problem(("steps", i, "needs", j), step, f"needs unknown step '{need}'{_near(need, list(first))}")
            elif need == step.id:
                self.problem(("steps", i, "needs", j), step, "a step cannot need itself")
            else:
                kept.append(need)
        return tuple(dict.fromkeys(kept))

    def _check_cycles(self, needs: Mapping[str, tuple[str, ...]], first: Mapping[str, int]) -> set[str]:
        state: dict[str, int] = {}  # 1: on the current path, 2: done
        path: list[str] = []
        in_cycle: set[str] = set()

        def visit(sid: str) -> None:
            state[sid] = 1
            path.append(sid)
            for need in needs[sid]:
                if state.get(need) == 1:
                    cycle = path[path.index(need) :]
                    in_cycle.update(cycle)
                    order = list(reversed(cycle))  # in the order the steps would have to run
                    at = order.index(need)
                    shown = " → ".join([*order[at:], *order[:at], need])
                    step = self.chain.steps[first[need]]
                    self.problem(("steps", first[need], "needs"), step, f"the needs form a cycle: {shown}")
                elif need not in state:
                    visit(need)
            path.pop()
            state[sid] = 2

        for sid in needs:
            if sid not in state:
                visit(sid)
        return in_cycle

    @staticmethod
    def _closure(sid: str, needs: Mapping[str, tuple[str, ...]]) -> frozenset[str]:
        seen: set[str] = set()
        todo = list(needs[sid])
        while todo:
            need = todo.pop()
            if need not in seen:
                seen.add(need)
                todo.extend(needs[need])
        return frozenset(seen - {sid})

    def _check_output(self, first: Mapping[str, int]) -> tuple[str, ...]:
        output = self.chain.output
        chosen = [self.chain.steps[-1].id] if output is None else [output] if isinstance(output, str) else output
        if not chosen:
            self.problem(("output",), None, "output names no step")
        for j, sid in enumerate(chosen):
            if sid not in first:
                loc = ("output",) if isinstance(output, str) else ("output", j)
                self.problem(loc, None, f"output names unknown step '{sid}'{_near(sid, list(first))}")
        return tuple(chosen)

    # --- one step ---------------------------------------------------------------

    def _plan_step(
        self, i: int, step: StepConfig, needs: tuple[str, ...], preds: frozenset[str] | None, level: int
    ) -> StepPlan:
        """`preds` is None when the step sits on a cycle (its predecessors are then meaningless)."""
        model = self._model(i, step)
        self._options(i, step, model)
        prompt = self._template(i, step, "prompt", step.prompt, preds)
        system = self._template(i, step, "system", step.system, preds) if step.system is not None else None
        when = self._condition(i, step, preds)
        return StepPlan(
            id=step.id,
            index=i,
            prompt=prompt,
            prompt_source=step.prompt,
            model=model,
            system=system,
            options=dict(step.options),
            needs=needs,
            predecessors=preds or frozenset(),
            when=when,
            level=level,
            schema=self._schema(i, step),
        )

    def _schema(self, i: int, step: StepConfig) -> dict[str, Any] | None:
        if step.schema_ is None:
            return None
        from app.schema import load_schema

        try:
            return load_schema(step.schema_)
        except UsageError as exc:
            self.problem(("steps", i, "schema"), step, f"schema: {exc.message}")
            return None

    def _model(self, i: int, step: StepConfig) -> ModelConfig | None:
        if step.model is None:
            return None
        try:
            return self.config.find_model(step.model)
        except UsageError:
            known = [m.name for m in self.config.models] + [a for m in self.config.models for a in m.aliases]
            self.problem(("steps", i, "model"), step, f"unknown model '{step.model}'{_near(step.model, known)}")
            return None

    def _options(self, i: int, step: StepConfig, model: ModelConfig | None) -> None:
        if not step.options:
            return
        from app.config import ModelOptions

        try:
            (model.options if model else ModelOptions()).merged(step.options)
        except Exception as exc:  # pydantic.ValidationError
            first = exc.errors()[0] if hasattr(exc, "errors") else {"loc": (), "msg": str(exc), "type": ""}
            where = ".".join(str(p) for p in first["loc"])
            what = f"unknown option '{where}'" if unknown_key(first["type"]) else f"option {where}: {first['msg']}"
            self.problem(("steps", i, "options", *first["loc"][:1]), step, what)

    def _template(self, i: int, step: StepConfig, key: str, source: str, preds: frozenset[str] | None) -> Any:
        loc = ("steps", i, key)
        try:
            info = templates.analyse(self.env, source)
            compiled = templates.compile_template(self.env, source)
        except templates.TemplateProblem as exc:
            self.problem(loc, step, f"{key}: {exc}")
            return None
        self.names_used |= info.names
        known = {templates.INPUT, templates.STEPS, *self.chain.variables}
        for name in sorted(info.names - known):
            hint = _near(name, sorted(known))
            declare = "" if hint else f"; declare it under chains.{self.name}.variables"
            self.problem(loc, step, f"{key} uses unknown variable '{name}'{hint}{declare}")
        ids = [s.id for s in self.chain.steps]
        for ref in sorted(info.step_refs):
            if ref not in ids:
                self.problem(loc, step, f"{key} uses steps.{ref}, but there is no step '{ref}'{_near(ref, ids)}")
            elif preds is not None and ref not in preds:
                self.problem(loc, step, f"{key} uses steps.{ref}, which does not run before '{step.id}'; add it to needs")
        for attr in sorted(info.private_attributes):
            self.problem(loc, step, f"{key} reads '{attr}': attributes starting with '_' are refused")
        for ref, name in sorted(info.field_refs):
            fields = self._fields_of(ref)
            if fields is not None and name not in fields and name != "text":
                listed = ", ".join(fields) or "none"
                self.problem(loc, step, f"{key} reads steps.{ref}.{name}, but the schema of '{ref}' has no field "
                             f"'{name}'{_near(name, fields)} (its fields: {listed})")  # fmt: skip
        return compiled

    def _fields_of(self, step_id: str) -> list[str] | None:
        """The fields the schema of step `step_id` declares; None when it has no schema that lists them."""
        step = next((s for s in self.chain.steps if s.id == step_id), None)
        if step is None or step.schema_ is None:
            return None
        from app.schema import load_schema

        try:
            properties = load_schema(step.schema_).get("properties")
        except UsageError:
            return None  # said where the step's own schema is checked
        return list(properties) if isinstance(properties, Mapping) else None

    def _condition(self, i: int, step: StepConfig, preds: frozenset[str] | None) -> Condition | None:
        when = step.when
        if when is None:
            return None
        loc = ("steps", i, "when")
        given = [t for t in TESTS if getattr(when, t) is not None]
        if len(given) != 1:
            self.problem(loc, step, f"when needs exactly one of {', '.join(TESTS)} (it has {len(given) or 'none'})")
            return None
        ids = [s.id for s in self.chain.steps]
        if when.step not in ids:
            self.problem((*loc, "step"), step, f"when names unknown step '{when.step}'{_near(when.step, ids)}")
        elif preds is not None and when.step not in preds:
            self.problem((*loc, "step"), step, f"when tests '{when.step}', which does not run before '{step.id}'; add it to needs")
        test: Test = given[0]  # type: ignore[assignment]
        value: str = getattr(when, test)
        pattern = None
        if test == "matches":
            try:
                pattern = re.compile(value)
            except re.error as exc:
                self.problem((*loc, "matches"), step, f"when.matches is not a valid regular expression: {exc}")
                return None
        return Condition(when.step, test, value, pattern)


def _level(sid: str, needs: Mapping[str, tuple[str, ...]], levels: dict[str, int]) -> int:
    if sid not in levels:
        levels[sid] = 1 + max((_level(n, needs, levels) for n in needs[sid]), default=0)
    return levels[sid]
