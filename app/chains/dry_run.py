"""A chain's dry run: what each step would be sent, in the order it would run, and its estimated
tokens and cost (`app.runtime.estimate`, the rule budgets use), calling no model."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.chains import templates
from app.chains._structured import placeholder
from app.chains.plan import ChainPlan
from app.chains.run import step_context
from app.runtime import Estimate, estimate, usd
from app.types import Message

if TYPE_CHECKING:
    from app.config import ModelConfig


@dataclass(frozen=True)
class DryStep:
    """What a step would do: its wave, model, condition and rendered prompts (earlier outputs as placeholders)."""

    id: str
    wave: int
    model: str
    needs: tuple[str, ...]
    when: str | None
    system: str | None
    prompt: str
    estimate: Estimate | None = None


def dry_run(
    plan: ChainPlan, input: str, variables: Mapping[str, str], default_model: str, default_system: str | None = None,
    models: Mapping[str, ModelConfig] | None = None,
) -> list[DryStep]:
    """Render every step's prompts, with `⟨id⟩` in place of earlier outputs, without calling a model.

    With `models` (by name), each step also gets its estimate: the rendered prompts as input (an
    earlier output counts as its placeholder), the model's or the step's `max_tokens` as output.

    Raises:
        UsageError: variables the chain does not declare, or required ones missing.
    """
    bound = plan.bind(variables)
    placeholders = {s.id: placeholder(s.id, s.schema) if s.schema else f"⟨{s.id}⟩" for s in plan.steps}
    shown = []
    for wave, steps in enumerate(plan.waves(), start=1):
        for step in steps:
            context = step_context(step, input or "⟨input⟩", bound, placeholders)
            try:
                prompt = templates.render(step.prompt, context)
                system = templates.render(step.system, context) if step.system else default_system
            except templates.TemplateProblem as exc:
                prompt, system = f"({exc})", None
            model = step.model.name if step.model else default_model
            when = step.when.describe() if step.when else None
            config = (models or {}).get(model)
            guess = estimate(config, [Message("user", prompt)], system, step.options) if config else None
            shown.append(DryStep(step.id, wave, model, step.needs, when, system, prompt, guess))
    return shown


def describe_dry_run(plan: ChainPlan, steps: Sequence[DryStep]) -> str:
    """The order steps would run in, waves of concurrent steps, and each step's rendered prompts."""
    out = [f"chain {plan.name}" + (f" — {plan.description}" if plan.description else "")]
    waves = max(s.wave for s in steps)
    for wave in range(1, waves + 1):
        these = [s for s in steps if s.wave == wave]
        together = " (concurrently)" if len(these) > 1 else ""
        out.append(f"\n{wave}. {', '.join(s.id for s in these)}{together}")
        for step in these:
            facts = [step.model] + ([f"needs {', '.join(step.needs)}"] if step.needs else [])
            facts += [f"only if {step.when}"] if step.when else []
            facts += [describe_estimate(step.estimate)] if step.estimate else []
            out.append(f"   [{step.id}] " + " · ".join(facts))
            if step.system:
                out.append("     system: " + step.system.strip().replace("\n", "\n             "))
            out.append("     prompt: " + step.prompt.strip().replace("\n", "\n             "))
    out.append(f"\noutput: {describe_output(plan.output)}")
    guesses = [s.estimate for s in steps if s.estimate is not None]
    if guesses:
        priced = [g.cost for g in guesses if g.cost is not None]
        total = f"about {usd(sum(priced))}" + (" + unpriced steps" if len(priced) < len(guesses) else "")
        out.append(f"estimate: {total} if every step runs (input ≈ characters / 4; output = max_tokens or 1024)")
    return "\n".join(out)


def describe_output(output: Sequence[str]) -> str:
    """A chain's `output:` as it is read: the first non-empty of the steps named (`rewrite, else draft`)."""
    return ", else ".join(output)


def describe_estimate(guess: Estimate) -> str:
    """`~120 in / 1024 out tokens · ~$0.0034` (`price n/a` for a model without pricing)."""
    price = f"~{usd(guess.cost)}" if guess.cost is not None else "price n/a"
    return f"~{guess.input_tokens} in / {guess.output_tokens} out tokens · {price}"
