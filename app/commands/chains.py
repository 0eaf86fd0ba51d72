"""The chains family: /chain, /chains, /compare and /pick."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Compare, Notice, Result, RunChain, Table
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chains import ChainPlan
    from app.chat import Chat

DRY_RUN = "--dry-run"

# --- parsing -----------------------------------------------------------------------------


def parse_chain_command(chat: Chat, argument: str) -> tuple[RunChain, bool]:
    """`NAME [INPUT]` with `--dry-run` and the chain's `KEY=VALUE` variables anywhere after the name.

    A `KEY=VALUE` word is a variable only when the chain declares KEY; `--` ends the options and pairs.

    Returns:
        The run asked for, and whether `--dry-run` was given.

    Raises:
        UsageError: no chain named, an unknown chain or option, or no input for a chain that reads one.
        ConfigError: the chain has problems.
    """
    from app.chains import plan_chain

    plans: dict[str, ChainPlan] = {}

    def plan_of(name: str) -> ChainPlan:
        if name not in plans:
            plans[name] = plan_chain(chat.runtime.config, name)
        return plans[name]

    args = parse_arguments(argument, fixed=1, options=(DRY_RUN,), keys=lambda words: plan_of(words[0]).variables)
    if not args.words:
        raise UsageError("which chain?", "Usage: /chain NAME [INPUT]; /chains lists them.")
    plan = plan_of(args.words[0])
    plan.bind(args.pairs)
    dry_run = DRY_RUN in args.options
    if not args.rest and plan.uses_input and not dry_run:
        raise UsageError(f"chain '{plan.name}' needs an input", f"Usage: /chain {plan.name} TEXT")
    return RunChain(plan.name, args.rest, args.pairs), dry_run


def dry_run_notice(chat: Chat, request: RunChain) -> Notice:
    """What `/chain --dry-run` shows: the order and the rendered prompts, no model called."""
    from app.chains import describe_dry_run, dry_run, plan_chain

    plan = plan_chain(chat.runtime.config, request.name)
    steps = dry_run(plan, request.input, request.variables, chat.model.name, chat.system)
    return Notice(describe_dry_run(plan, steps), style="chat.answer")


def parse_compare_command(chat: Chat, argument: str) -> Compare:
    """`MODEL[,MODEL…] [PROMPT]`: the models as one comma list; with one model, the current one is compared with it.

    Raises:
        UsageError: no model named, an unknown model (with the nearest names), or no prompt and no
            earlier message that got an answer.
    """
    args = parse_arguments(argument, fixed=1)
    if not args.words:
        raise UsageError("which models?", "Usage: /compare MODEL,MODEL… [PROMPT]")
    names = [name for name in args.words[0].split(",") if name]
    models = [chat.runtime.model(name).name for name in names]  # an unknown name raises with the nearest
    if len(models) == 1 and models[0] != chat.model.name:
        models.insert(0, chat.model.name)
    models = list(dict.fromkeys(models))
    if len(models) < 2:
        raise UsageError("compare with which other model?", "Usage: /compare MODEL,MODEL… [PROMPT]")
    prompt = args.rest
    if not prompt:
        last = next((m for m in reversed(chat.messages) if m.role == "user" and not m.failed), None)
        if last is None:
            raise UsageError("nothing to compare yet", "Give a prompt: /compare MODEL,MODEL… PROMPT")
        prompt = last.content
    return Compare(models, prompt)


# --- showing chains -------------------------------------------------------------------------


def step_tree(plan: ChainPlan, default_model: str) -> str:
    """The steps as a tree: each under the deepest step it needs (the later one of equals), its other needs after `←`."""
    children: dict[str | None, list] = {}
    for step in plan.steps:
        parent = max(step.needs, key=lambda sid: (plan.step(sid).level, plan.step(sid).index), default=None)
        children.setdefault(parent, []).append(step)
    out: list[str] = []

    def walk(parent: str | None, prefix: str) -> None:
        kids = children.get(parent, [])
        for i, step in enumerate(kids):
            last = i == len(kids) - 1
            branch = "" if parent is None else ("└─ " if last else "├─ ")
            facts = [step.model.name if step.model else default_model]
            others = [n for n in step.needs if n != parent]
            facts += [f"← {', '.join(others)}"] if others else []
            facts += [f"if {step.when.describe()}"] if step.when else []
            out.append(f"{prefix}{branch}{step.id} · {' · '.join(facts)}")
            walk(step.id, prefix + ("" if parent is None else ("   " if last else "│  ")))

    walk(None, "")
    return "\n".join(out)


def chains_table(chat: Chat) -> Result:
    from app.chains import build_plan

    config = chat.runtime.config
    if not config.chains:
        return Notice("no chains yet: declare them under `chains:` in config.yaml")
    rows = []
    for name, chain in config.chains.items():
        plan, problems = build_plan(config, name)
        tree = step_tree(plan, chat.model.name) if plan else f"{len(problems)} problem(s): run `orch config check`"
        rows.append([name, chain.description or "", tree])
    return Table(["chain", "description", "steps"], rows, note="/chain NAME INPUT runs one · --dry-run shows its prompts")


# --- completion ------------------------------------------------------------------------------


def _complete_chain(ctx: CommandContext, argument: str) -> Iterable[str]:
    config = ctx.chat.runtime.config
    words = argument.split()
    if argument.endswith(" ") or not words:
        words.append("")
    if words[-1].startswith("-"):
        return [f"{DRY_RUN}\tshow the order and the prompts, call no model"]
    words = [w for w in words if not w.startswith("--")]
    if len(words) == 1:
        return [f"{name}\t{chain.description or ''}" for name, chain in config.chains.items()]
    chain = config.chains.get(words[0])
    if chain is None:
        return []
    return [f"{key}=\t{'default: ' + value if value is not None else 'required'}" for key, value in chain.variables.items()]


def _complete_models(ctx: CommandContext, argument: str) -> Iterable[str]:
    """Models for the comma list that is the first word; none once the prompt has begun."""
    if " " in argument.lstrip():
        return
    listed, _, _ = argument.lstrip().rpartition(",")
    prefix = listed + "," if listed else ""
    taken = set(listed.split(","))
    for model in ctx.chat.runtime.config.models:
        if model.name not in taken:
            yield f"{prefix}{model.name}\t{model.provider} · {model.id}"


def _complete_pick(ctx: CommandContext, argument: str) -> Iterable[str]:
    record = ctx.chat.last_compare
    return [f"{i}\t{a.model}" for i, a in enumerate(record.answers, start=1)] if record else []


# --- the commands ------------------------------------------------------------------------------


COMMANDS = CommandFamily("chains")


@COMMANDS.command(
    "chain", help="run a chain from config.yaml on INPUT", usage="NAME [INPUT] [KEY=VALUE…] [--dry-run]",
    complete=_complete_chain,
    arguments=[("NAME", "a chain of config.yaml (/chains lists them)"),
               ("INPUT", "the text the chain works on, {{ input }} in its prompts"),
               ("KEY=VALUE", "a variable the chain declares; anywhere after NAME"),
               (DRY_RUN, "show the order and the prompts; no model is called"),
               ("--", "what follows is INPUT, even a word like --x or k=v")],
    example="/chain review --dry-run tone=warm why is the sky blue",
)  # fmt: skip
async def chain(ctx: CommandContext, argument: str) -> Result:
    if not argument:
        return chains_table(ctx.chat)
    request, dry_run = parse_chain_command(ctx.chat, argument)
    # A dry run calls no model, so it is answered here, as text.
    return dry_run_notice(ctx.chat, request) if dry_run else request


@COMMANDS.command("chains", help="list the chains with their steps")
async def chains_(ctx: CommandContext, argument: str) -> Result:
    return chains_table(ctx.chat)


@COMMANDS.command(
    "compare", help="ask several models at once (default: your last message)", usage="MODEL,MODEL… [PROMPT]",
    complete=_complete_models,
    arguments=[("MODEL,MODEL…", "the models, as one comma list; one model is compared with the current one"),
               ("PROMPT", "what to ask them; without it, your last message that got an answer")],
    example="/compare sonnet,gpt-5 explain monads briefly",
)  # fmt: skip
async def compare(ctx: CommandContext, argument: str) -> Result:
    return parse_compare_command(ctx.chat, argument)


@COMMANDS.command("pick", help="continue with answer N of the last /compare", usage="N",
                  complete=_complete_pick,
                  arguments=[("N", "the number in the answer's title")], example="/pick 2")  # fmt: skip
async def pick_(ctx: CommandContext, argument: str) -> Result:
    if not argument.strip().isdigit():
        raise UsageError("which answer?", "Usage: /pick N, N being the number above the answer.")
    chat = ctx.chat
    if chat.last_compare is None and ctx.registry.picked is not None:
        raise UsageError("nothing to pick: the last comparison was picked from already",
                         "Run /compare again to compare anew; /retry answers once more.")  # fmt: skip
    compared = chat.last_compare
    answer = chat.pick(int(argument))
    ctx.registry.picked = compared
    return Notice(f"continuing with answer {argument.strip()}; now talking to {answer.model}")


def register(registry: Registry) -> None:
    """Add /chain, /chains, /compare and /pick to `registry`."""
    registry.include(COMMANDS)
