"""The chains family: /chain, /chains, /compare and /pick."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from app.commands.registry import CommandContext, CommandFamily, Registry, completing_from_chat
from app.commands.results import Compare, Notice, Result, RunChain, Table
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chains import ChainPlan
    from app.chat import Chat

_WORD = re.compile(r"\s*(\S+)")
_ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.DOTALL)


# --- parsing -----------------------------------------------------------------------------


def _take_words(text: str, keep: Callable[[str], bool]) -> tuple[list[str], str]:
    """Leading words of `text` for which `keep(word)` holds, and the rest of the text as typed."""
    taken: list[str] = []
    position = 0
    while True:
        match = _WORD.match(text, position)
        if match is None or not keep(match.group(1)):
            return taken, text[position:].strip()
        taken.append(match.group(1))
        position = match.end()


def parse_chain_command(chat: Chat, argument: str) -> tuple[RunChain, bool]:
    """`[--dry-run] NAME [KEY=VALUE…] [INPUT]`: KEY=VALUE words count only for the chain's declared variables.

    Returns:
        The run asked for, and whether `--dry-run` was given.

    Raises:
        UsageError: no chain named, an unknown chain, or no input for a chain that reads one.
        ConfigError: the chain has problems.
    """
    from app.chains import plan_chain

    flags, rest = _take_words(argument, lambda word: word == "--dry-run")
    name = _WORD.match(rest)
    if name is None:
        raise UsageError("which chain?", "Usage: /chain NAME [INPUT]; /chains lists them.")
    plan = plan_chain(chat.runtime.config, name.group(1))
    rest = rest[name.end() :]
    pairs, text = _take_words(rest, lambda word: _declared(plan, word))
    variables = dict(pair.split("=", 1) for pair in pairs)
    plan.bind(variables)
    if not text and plan.uses_input and not flags:
        raise UsageError(f"chain '{plan.name}' needs an input", f"Usage: /chain {plan.name} TEXT")
    return RunChain(plan.name, text, variables), bool(flags)


def dry_run_notice(chat: Chat, request: RunChain) -> Notice:
    """What `/chain --dry-run` shows: the order and the rendered prompts, no model called."""
    from app.chains import describe_dry_run, dry_run, plan_chain

    plan = plan_chain(chat.runtime.config, request.name)
    steps = dry_run(plan, request.input, request.variables, chat.model.name, chat.system)
    return Notice(describe_dry_run(plan, steps), style="chat.answer")


def _declared(plan: ChainPlan, word: str) -> bool:
    match = _ASSIGNMENT.match(word)
    return match is not None and match.group(1) in plan.variables


def parse_compare_command(chat: Chat, argument: str) -> Compare:
    """`MODEL [MODEL…] [PROMPT]`: with one model, the current one is compared with it.

    Raises:
        UsageError: no model named, or no prompt and no earlier message.
    """
    known = {label for m in chat.runtime.config.models for label in (m.name, *m.aliases)}
    names, prompt = _take_words(argument, lambda word: word in known)
    if not names:
        first = argument.split()[0] if argument.split() else ""
        if first:
            chat.runtime.model(first)  # raises with the nearest names
        raise UsageError("which models?", "Usage: /compare MODEL MODEL… [PROMPT]")
    models = [chat.runtime.model(n).name for n in names]
    if len(models) == 1 and models[0] != chat.model.name:
        models.insert(0, chat.model.name)
    models = list(dict.fromkeys(models))
    if not prompt:
        last = next((m for m in reversed(chat.messages) if m.role == "user"), None)
        if last is None:
            raise UsageError("nothing to compare yet", "Give a prompt: /compare MODEL MODEL… PROMPT")
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


def _complete_chain(chat: Chat, argument: str) -> Iterable[str]:
    config = chat.runtime.config
    words = argument.split()
    if argument.endswith(" "):
        words.append("")
    words = [w for w in words if w != "--dry-run"] or [""]
    if len(words) == 1:
        return [f"{name}\t{chain.description or ''}" for name, chain in config.chains.items()]
    chain = config.chains.get(words[0])
    if chain is None:
        return []
    return [f"{key}=\t{'default: ' + value if value is not None else 'required'}" for key, value in chain.variables.items()]


def _complete_models(chat: Chat, argument: str) -> Iterable[str]:
    for model in chat.runtime.config.models:
        yield f"{model.name}\t{model.provider} · {model.id}"


def _complete_pick(chat: Chat, argument: str) -> Iterable[str]:
    record = chat.last_compare
    return [f"{i}\t{a.model}" for i, a in enumerate(record.answers, start=1)] if record else []


# --- the commands ------------------------------------------------------------------------------


COMMANDS = CommandFamily("chains")


@COMMANDS.command("chain", help="run a chain from config.yaml on INPUT", usage="[--dry-run] NAME [KEY=VALUE…] [INPUT]",
                  complete=completing_from_chat(_complete_chain))  # fmt: skip
async def chain(ctx: CommandContext, argument: str) -> Result:
    if not argument:
        return chains_table(ctx.chat)
    request, dry_run = parse_chain_command(ctx.chat, argument)
    # A dry run calls no model, so it is answered here, as text.
    return dry_run_notice(ctx.chat, request) if dry_run else request


@COMMANDS.command("chains", help="list the chains with their steps")
async def chains_(ctx: CommandContext, argument: str) -> Result:
    return chains_table(ctx.chat)


@COMMANDS.command("compare", help="ask several models at once (default: the last message)",
                  usage="MODEL MODEL… [PROMPT]", complete=completing_from_chat(_complete_models))  # fmt: skip
async def compare(ctx: CommandContext, argument: str) -> Result:
    return parse_compare_command(ctx.chat, argument)


@COMMANDS.command("pick", help="continue with answer N of the last /compare", usage="N",
                  complete=completing_from_chat(_complete_pick))  # fmt: skip
async def pick_(ctx: CommandContext, argument: str) -> Result:
    if not argument.strip().isdigit():
        raise UsageError("which answer?", "Usage: /pick N, N being the number above the answer.")
    answer = ctx.chat.pick(int(argument))
    return Notice(f"continuing with answer {argument.strip()}; now talking to {answer.model}")


def register(registry: Registry) -> None:
    """Add /chain, /chains, /compare and /pick to `registry`."""
    registry.include(COMMANDS)
