"""Chains: checked plans of prompt steps, run as a graph with typed progress events.

    plan = plan_chain(config, "review")                 # check.py: every problem, or a ChainPlan
    run = await run_chain(runtime, plan, "input", {})   # run.py: the steps as a DAG, events to a listener
    steps = dry_run(plan, "input", {}, "echo")          # dry_run.py: the rendered prompts, no model called

Modules: `plan` (the plan's types), `check` (from config.yaml to a plan, through
`_planner`'s checks),
`templates` (sandboxed Jinja2), `run` (the executor), `events` (what a run
tells and leaves), `dry_run`. Nothing here prints.
"""

from app.chains.check import build_plan, check_chains, format_problems, plan_chain
from app.chains.dry_run import DryStep, describe_dry_run, dry_run
from app.chains.events import (ChainEvent, ChainRun, Listener, StepCancelled, StepDone, StepFailed, StepResult,
                               StepRetry, StepSkipped, StepStarted, StepText, known_sum)  # fmt: skip
from app.chains.plan import ChainPlan, Condition, Problem, StepPlan
from app.chains.run import StepFailedError, run_chain

__all__ = [
    "ChainEvent",
    "ChainPlan",
    "ChainRun",
    "Condition",
    "DryStep",
    "Listener",
    "Problem",
    "StepCancelled",
    "StepDone",
    "StepFailed",
    "StepFailedError",
    "StepPlan",
    "StepResult",
    "StepSkipped",
    "StepStarted",
    "StepRetry",
    "StepText",
    "build_plan",
    "check_chains",
    "describe_dry_run",
    "dry_run",
    "format_problems",
    "known_sum",
    "plan_chain",
    "run_chain",
]
