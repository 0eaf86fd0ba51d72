"""The core family: help, models and settings, retry/undo, usage, lock, exit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Ask, Clipboard, Exit, Notice, PickModel, Result, Table
from app.config import ModelOptions
from app.errors import UsageError

OPTION_NAMES = tuple(f.name for f in fields(ModelOptions))
CLEAR = "--clear"


def model_names(ctx: CommandContext, _: str = "") -> Iterable[str]:
    """Model names and aliases, each with its provider as the completion's note."""
    for model in ctx.chat.runtime.config.models:
        yield f"{model.name}\t{model.provider} · {model.id}"
        for alias in model.aliases:
            yield f"{alias}\t= {model.name}"


def _option_completions(ctx: CommandContext, argument: str) -> Iterable[str]:
    if " " in argument:
        return []
    chat = ctx.chat
    return [f"{name}\t{chat.options.get(name, getattr(chat.model.options, name)) or ''}" for name in OPTION_NAMES]


def _command_labels(ctx: CommandContext, _: str) -> Iterable[str]:
    return ctx.registry.labels()


COMMANDS = CommandFamily("general")


@COMMANDS.command("help", help="list commands, or show one: /help NAME", usage="[COMMAND]", aliases=("?",),
                  complete=_command_labels, arguments=[("COMMAND", "a command's name, with or without /")],
                  example="/help chain")  # fmt: skip
async def help_(ctx: CommandContext, argument: str) -> Result:
    if argument:
        command = ctx.registry.get(argument.lstrip("/"))
        if command is None:
            raise UsageError(f"unknown command /{argument.lstrip('/')}")
        return Notice(command.describe())
    rows = [list(row) for row in ctx.registry.help_rows()]
    return Table(
        ["command", "aliases", "what it does"],
        rows,
        note="Enter sends · Esc-Enter or a trailing \\ adds a line · Ctrl-X Ctrl-E opens $EDITOR · "
        "Ctrl-C cancels an answer · Ctrl-D exits",
    )


@COMMANDS.command("model", help="switch model; without a name, pick from a menu", usage="[NAME]",
                  complete=model_names, arguments=[("NAME", "a model's name or alias (/models lists them)")],
                  example="/model sonnet")  # fmt: skip
async def model(ctx: CommandContext, argument: str) -> Result:
    if not argument:
        return PickModel()
    chosen = ctx.chat.use_model(argument)
    return Notice(f"now talking to {chosen.name} ({chosen.provider} · {chosen.id})")


@COMMANDS.command("models", help="list the models and where their keys come from")
async def models(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    config = chat.runtime.config
    rows = []
    for m in config.models:
        status = chat.runtime.keys.status(config.providers[m.provider].key)
        mark = "▸ " if m.name == chat.model.name else "  "
        rows.append([mark + m.label, m.provider, m.id, status, m.price_label])
    return Table(["model", "provider", "id", "key", "price in/out per 1M"], rows, note="▸ the current model")


@COMMANDS.command("system", help="show or set the system prompt; /system --clear removes it",
                  usage="[TEXT] [--clear]", arguments=[("TEXT", "the new system prompt"), (CLEAR, "remove it")],
                  example="/system Answer in one short paragraph.")  # fmt: skip
async def system(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    args = parse_arguments(argument, options=(CLEAR,))
    if CLEAR in args.options:
        chat.system = None
        return Notice("system prompt removed")
    if not args.rest:
        return Notice(f"system prompt: {chat.system}" if chat.system else "no system prompt")
    chat.system = args.rest
    return Notice("system prompt set")


@COMMANDS.command("schema", help="answer as JSON following a schema: /schema SHORTHAND|FILE; /schema --clear for text",
                  usage="[SHORTHAND|FILE] [--clear]",
                  arguments=[("SHORTHAND|FILE", "fields ('name, age int, tags list') or a JSON Schema file"),
                             (CLEAR, "answer in text again")],
                  example="/schema verdict, reasons list")  # fmt: skip
async def schema(ctx: CommandContext, argument: str) -> Result:
    from app.schema import load_schema

    chat = ctx.chat
    args = parse_arguments(argument, options=(CLEAR,))
    if CLEAR in args.options:
        chat.schema = None
        return Notice("answers are text again")
    if args.rest:
        chat.schema = load_schema(args.rest)
    if chat.schema is None:
        return Notice("no schema: answers are text; /schema FIELDS asks for JSON")
    fields = ", ".join(chat.schema.get("properties") or ()) or "as the schema says"
    return Notice(f"answers are JSON with the fields: {fields} (checked; /schema --clear for text)")


@COMMANDS.command("set", help="set a model option (temperature, max_tokens…); /set KEY alone unsets it",
                  usage="[KEY [VALUE]]", complete=_option_completions,
                  arguments=[("KEY", "an option: " + ", ".join(OPTION_NAMES)), ("VALUE", "read as YAML: 0.2, true, [a, b]")],
                  example="/set temperature 0.2")  # fmt: skip
async def set_(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    words = argument.split(None, 1)
    if not words:
        effective = {**chat.model.options.to_request(), **chat.options}
        rows = [[k, repr(v), "session" if k in chat.options else "models.yaml"] for k, v in effective.items()]
        return Table(["option", "value", "from"], rows) if rows else Notice("no options set")
    key = words[0]
    if key not in OPTION_NAMES:
        import difflib

        near = difflib.get_close_matches(key, OPTION_NAMES, n=1, cutoff=0.5)
        raise UsageError(f"unknown option '{key}'", f"Did you mean {near[0]}?" if near else
                         f"Options: {', '.join(OPTION_NAMES)}")
    if len(words) == 1:
        chat.unset_option(key)
        return Notice(f"{key} unset")
    import yaml

    try:
        value = yaml.safe_load(words[1])
    except yaml.YAMLError:
        value = words[1]
    chat.set_option(key, value)
    return Notice(f"{key} = {value!r}")


@COMMANDS.command("clear", help="start a new conversation (the old one stays saved)", aliases=("new",))
async def clear(ctx: CommandContext, argument: str) -> Result:
    ctx.chat.clear()
    return Notice("new conversation")


@COMMANDS.command("retry", help="answer the last message again")
async def retry(ctx: CommandContext, argument: str) -> Result:
    ctx.chat.prepare_retry()
    return Ask()


@COMMANDS.command("undo", help="remove the last exchange")
async def undo(ctx: CommandContext, argument: str) -> Result:
    removed = ctx.chat.undo()
    return Notice(f"removed the last exchange ({removed} message{'s' if removed != 1 else ''})")


@COMMANDS.command("copy", help="copy the last answer to the clipboard")
async def copy(ctx: CommandContext, argument: str) -> Result:
    answer = ctx.chat.last_answer
    if answer is None or not answer.content:
        raise UsageError("no answer to copy yet")
    return Clipboard(answer.content)


@COMMANDS.command("lock", help="forget the unlocked vault now")
async def lock(ctx: CommandContext, argument: str) -> Result:
    keys = ctx.chat.runtime.keys
    if not keys.vault.exists():
        return Notice("there is no vault to lock (`orch vault init` makes one)")
    ctx.chat.runtime.forget_keys()
    return Notice("vault locked; the password will be asked on the next request that needs a key")


@COMMANDS.command("exit", help="leave orch (Ctrl-D does too)", aliases=("quit", "q"))
async def exit_(ctx: CommandContext, argument: str) -> Result:
    return Exit()



def register(registry: Registry) -> None:
    """Add help, models and settings, retry/undo, usage, lock and exit to `registry`."""
    registry.include(COMMANDS)
