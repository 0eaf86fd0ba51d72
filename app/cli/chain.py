"""`orch chain NAME [INPUT] [KEY=VALUE…] [--dry-run]`: run a chain one-shot.

The final output goes to stdout (markdown on a terminal, the text as it is
to a pipe); step progress goes to stderr, as live lines on a terminal and as
plain `[step] done 1.2s` lines otherwise. Exit codes: 0 ok, 1 a step failed
(the error names it) or the run reached --max-cost, 2 unknown chain, bad variables or a chain with
problems, 130 interrupted.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_INTERRUPTED, EXIT_OK, UsageError

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

    from app.chains import ChainPlan
    from app.chains import ChainRun
    from app.cli.wiring import Wiring
    from app.config import ModelConfig, UIConfig
    from app.runtime import Runtime

_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


def parse_variables(pairs: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` words as a dict; values stay text.

    Raises:
        UsageError: a word that is not KEY=VALUE.
    """
    variables = {}
    for pair in pairs:
        match = _ASSIGNMENT.match(pair)
        if match is None:
            raise UsageError(f"'{pair}' is not KEY=VALUE", "Example: orch chain NAME \"input\" tone=formal")
        variables[match.group(1)] = match.group(2)
    return variables


def _read_input(argument: str | None) -> str:
    """The argument, with stdin appended when stdin is piped (or stdin alone)."""
    from app.cli._parse import read_stdin

    piped = ""
    if not sys.stdin.isatty():
        piped = read_stdin().rstrip("\n")
    if argument and piped:
        return f"{argument}\n\n{piped}"
    return argument or piped


def run(args: argparse.Namespace, wiring: Wiring) -> int:
    """Run `orch chain …` as parsed into `args`; returns the exit code."""
    from app.chains import plan_chain

    config, sources = wiring.config()
    if args.name is None:
        raise _which_chain(config.chains)
    plan = plan_chain(config, args.name, sources)
    words = list(args.vars or [])
    argument = args.input
    # `orch chain NAME tone=formal` (input on stdin): the first word is a variable, not the input.
    match = _ASSIGNMENT.match(argument or "")
    if match is not None and match.group(1) in plan.variables:
        words.insert(0, argument)
        argument = None
    variables = parse_variables(words)
    plan.bind(variables)
    text = _read_input(argument)
    if not text.strip() and plan.uses_input and not args.dry_run:
        raise UsageError(f"chain '{plan.name}' needs an input", f'Give it as an argument or on stdin: orch chain {plan.name} "…"')
    default_model = config.find_model(config.default_model)
    if args.dry_run:
        from app.chains import describe_dry_run, dry_run

        models = {m.name: m for m in config.models}
        steps = dry_run(plan, text, variables, default_model.name, config.system_prompt, models)
        sys.stdout.write(describe_dry_run(plan, steps) + "\n")
        return EXIT_OK

    import asyncio

    runtime = wiring.runtime()
    runtime.budget.max_total_usd = args.max_cost  # the run's whole spend: each step is checked against what is left
    runtime.prepare(plan.models(default_model))  # every key (and the vault password) before progress is drawn
    no_color = wiring.invocation.no_color
    try:
        done = asyncio.run(_run(runtime, plan, text, variables, default_model, no_color=no_color,
                                base_dir=sources.config.parent))
    except KeyboardInterrupt:
        print("orch: chain interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    _print_output(config.ui, done, no_color=no_color)
    return EXIT_OK


async def _run(runtime: Runtime, plan: ChainPlan, text: str, variables: Mapping[str, str],
               default_model: ModelConfig, *, no_color: bool, base_dir: Path) -> ChainRun:  # fmt: skip
    from app.chains import run_chain
    from app.ui.chain_view import PlainProgress, StepLines, live_lines

    system = runtime.config.system_prompt
    try:
        if not sys.stderr.isatty():
            return await run_chain(runtime, plan, text, variables, listener=PlainProgress(sys.stderr),
                                   default_model=default_model, default_system=system, base_dir=base_dir)  # fmt: skip
        from app.ui.style import make_console

        console = make_console(stderr=True, no_color=no_color)
        lines = StepLines(plan, default_model.name)
        with live_lines(console, lines):
            return await run_chain(runtime, plan, text, variables, listener=lines.apply,
                                   default_model=default_model, default_system=system, base_dir=base_dir)  # fmt: skip
    finally:
        await runtime.aclose()


def _print_output(ui: UIConfig, run: ChainRun, *, no_color: bool) -> None:
    from app.ui.render import Footer

    summary = str(Footer(f"chain {run.chain}", run.input_tokens, run.output_tokens, run.cost, run.seconds))
    if sys.stdout.isatty():
        from app.ui.chain_view import show_final
        from app.ui.style import make_console

        console = make_console(no_color=no_color)
        show_final(console, run.output, markdown=ui.markdown, code_theme=ui.code_theme)
    else:
        sys.stdout.write(run.output if run.output.endswith("\n") else run.output + "\n")
        sys.stdout.flush()
    print(summary, file=sys.stderr)


def _which_chain(chains: Mapping[str, object]) -> UsageError:
    if not chains:
        return UsageError("there are no chains in config.yaml", "Declare one under `chains:` (see `orch config path`).")
    return UsageError(f"which chain? There are: {', '.join(chains)}", 'Run one: orch chain NAME "input" (with --dry-run: its steps, calling no model).')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", help="chain name from config.yaml")
    parser.add_argument("input", nargs="?", help="chain input (default: stdin)")
    parser.add_argument("vars", nargs="*", metavar="KEY=VALUE", help="template variables")
    parser.add_argument("--dry-run", action="store_true",
                        help="show rendered prompts, order and estimated tokens and cost; call no model")
    parser.add_argument("--max-cost", type=float, metavar="USD",
                        help="stop the run once it would cost more (a step over it is not sent)")


COMMAND = Subcommand("chain", "run a chain one-shot: orch chain NAME [INPUT] [KEY=VALUE]... [--dry-run]",
                     add_arguments, run)
