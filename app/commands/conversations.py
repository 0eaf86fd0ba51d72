"""Conversations that last: save, sessions, load, search, history, edit, branches, export."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands.arguments import parse_arguments
from app.commands.registry import CommandContext, CommandFamily, Registry
from app.commands.results import Confirm, EditInput, Notice, Result, Table
from app.errors import UsageError

if TYPE_CHECKING:
    from app.chat import Chat, ChatMessage
    from app.store import BranchInfo, Store


def _store(chat: Chat) -> Store:
    if chat.store is None:
        raise UsageError("conversations are not being saved in this session")
    return chat.store


def _current_id(chat: Chat) -> int:
    if chat.conversation_id is None:
        raise UsageError("this conversation is empty so far", "Send a message first.")
    return chat.conversation_id


def _when(moment) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _titles(ctx: CommandContext, _: str = "") -> Iterable[str]:
    store = ctx.chat.store
    if store is None:
        return []
    return [f"{c.title}\t#{c.id} · {c.message_count} messages" for c in store.list_conversations(50) if c.title]


def _ids(ctx: CommandContext, _: str = "") -> Iterable[str]:
    store = ctx.chat.store
    if store is None:
        return []
    return [f"{c.id}\t{c.title or ''}" for c in store.list_conversations(50)]


def resume(chat: Chat, conversation: str | None, model: str | None = None) -> str:
    """Load the named conversation (None: the most recent) into `chat`; returns a line to show.

    The conversation goes on with the model it was started with, unless `model` (`orch -m`) is given.
    """
    store = _store(chat)
    if conversation is None:
        latest = store.latest_conversation()
        if latest is None:
            return "no saved conversation yet: starting a new one"
        found = latest
    else:
        found = store.find_conversation(conversation)
    chat.load(found.id)
    if model:
        chat.use_model(model)
    line = f"resumed #{found.id} {found.title or ''} ({len(chat.messages)} messages, {chat.model.name})"
    return "\n".join([line.replace("  ", " "), *recap(chat)])


def recap(chat: Chat) -> list[str]:
    """The last exchange, a line each, so that a resumed conversation shows where it was left."""
    last_user = next((i for i in range(len(chat.messages) - 1, -1, -1) if chat.messages[i].role == "user"), None)
    if last_user is None:
        return []
    return [f"  {_who(m)}: {_preview(_one_line(m), 100)}{_mark(m)}" for m in chat.messages[last_user:]]


def _who(message: ChatMessage) -> str:
    return "you" if message.role == "user" else (message.model or "assistant")


def _preview(text: str, width: int) -> str:
    """The first line of `text`, cut to `width`, with `…` when anything was left out."""
    stripped = text.strip()
    first_line = stripped.splitlines()[0] if stripped else ""
    return first_line[:width] + ("…" if len(first_line) > width or "\n" in stripped else "")


def _one_line(message: ChatMessage) -> str:
    """A message's text, or its parts in order: attachments and tool calls by name, words by their first line."""
    if not message.parts:
        return message.content
    from app.attachments import part_label

    shown = (_preview(part.text, 90) if part.kind == "text" else part_label(part) for part in message.parts)
    return " ".join(label for label in shown if label)


# How /history and the recap mark a message that did not end as a whole answer.
_MARKS = {"error": "failed", "interrupted": "interrupted", "truncated": "truncated", "refused": "refused"}


def _mark(message: ChatMessage) -> str:
    mark = _MARKS.get(message.status)
    return f" [{mark}]" if mark else ""


def apply_edit(chat: Chat, index: int, text: str) -> None:
    """Replace message `index` with `text` on a new branch, ready to be answered."""
    edited = chat.edit(index, text)
    if edited.role != "user":
        raise UsageError("only your own messages can be edited and answered again")


COMMANDS = CommandFamily("conversations")


@COMMANDS.command("save", help="title this conversation (conversations are always saved)", usage="[TITLE]")
async def save(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    store = _store(chat)
    conversation_id = _current_id(chat)
    if argument:
        chat.title = store.rename(conversation_id, argument).title
    return Notice(f"saved as #{conversation_id} {chat.title or ''}".rstrip())


@COMMANDS.command("rename", help="rename this conversation", usage="TITLE")
async def rename(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    if not argument:
        raise UsageError("usage: /rename TITLE")
    chat.title = _store(chat).rename(_current_id(chat), argument).title
    return Notice(f"renamed to {chat.title}")


@COMMANDS.command("sessions", help="saved conversations, most recent first", usage="[N]")
async def sessions(ctx: CommandContext, argument: str) -> Result:
    limit = int(argument) if argument.isdigit() else 30
    chat = ctx.chat
    rows = []
    for c in _store(chat).list_conversations(limit):
        mark = "▸" if c.id == chat.conversation_id else ""
        rows.append([f"{mark}{c.id}", c.title or "(untitled)", c.model, str(c.message_count), _when(c.updated)])
    if not rows:
        return Notice("no saved conversations yet")
    return Table(["id", "title", "model", "messages", "last used"], rows, note="/load ID or TITLE resumes one")


@COMMANDS.command("load", help="resume a saved conversation", usage="ID|TITLE", complete=_titles,
                  aliases=("resume",), arguments=[("ID|TITLE", "as /sessions lists them")], example="/load 12")
async def load(ctx: CommandContext, argument: str) -> Result:
    if not argument:
        raise UsageError("usage: /load ID|TITLE", "`/sessions` lists them.")
    return Notice(resume(ctx.chat, argument))


@COMMANDS.command("search", help="search every saved message", usage="TEXT", arguments=[("TEXT", "words every match holds")],
                  example="/search sqlite wal")
async def search(ctx: CommandContext, argument: str) -> Result:
    if not argument:
        raise UsageError("usage: /search TEXT")
    hits = _store(ctx.chat).search(argument, limit=20)
    if not hits:
        return Notice(f"nothing matches {argument!r}")
    rows = [[f"#{h.conversation_id}", h.conversation_title or "(untitled)", h.role,
             _plain_snippet(h.snippet)] for h in hits]
    return Table(["conv", "title", "role", "match"], rows, note="/load ID opens a conversation")


HISTORY_MARGIN = 6  # the rows /history leaves for its table's borders and header, its note and the prompt


@COMMANDS.command("history", usage="[--all]",
                  help="the last screenful of messages of this branch, numbered (for /edit N); --all for every one")
async def history(ctx: CommandContext, argument: str) -> Result:
    if argument.strip() not in ("", "--all"):
        raise UsageError("usage: /history [--all]")
    messages = ctx.chat.messages
    if not messages:
        return Notice("no messages yet")
    # A screenful: as many messages as the terminal has rows, less HISTORY_MARGIN, one row each.
    screenful = max(5, shutil.get_terminal_size().lines - HISTORY_MARGIN)
    shown = len(messages) if argument.strip() else screenful
    first = max(0, len(messages) - shown)
    rows = [[str(i), m.role if m.role == "user" else _who(m), _preview(_one_line(m), 90) + _mark(m)]
            for i, m in enumerate(messages[first:], first + 1)]  # fmt: skip
    note = f"the last {len(rows)} of {len(messages)} messages; /history --all shows every one" if first else None
    return Table(["#", "from", "message"], rows, note=note, paged=len(rows) > screenful)


@COMMANDS.command("edit", help="edit message N and answer it again on a new branch (the old one stays)",
                  usage="N")
async def edit(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    if not argument.isdigit():
        raise UsageError("usage: /edit N", "/history numbers the messages.")
    index = int(argument) - 1
    if not 0 <= index < len(chat.messages):
        raise UsageError(f"no message {argument}; /history lists them")
    if chat.messages[index].role != "user":
        raise UsageError(f"message {argument} is an answer; /edit takes your own messages")
    return EditInput(chat.messages[index].content, index)


@COMMANDS.command("branches", help="the branches of this conversation")
async def branches(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    found = numbered_branches(_store(chat), _current_id(chat))
    rows = [[("▸" if b.current else "") + str(i), str(b.length), _when(b.updated), b.preview]
            for i, b in enumerate(found, 1)]
    return Table(["branch", "messages", "last", "ends with"], rows, note="/branch N switches")


def numbered_branches(store: Store, conversation_id: int) -> list[BranchInfo]:
    """The branches in the order they were made, so that their numbers stay put as they grow.

    A branch is dated by the first of its messages that no other branch holds (the edit that
    forked it); continuing a branch adds messages after that one and leaves its number alone.
    """
    found = store.branches(conversation_id)
    paths = {b.leaf_id: {m.id for m in store.branch(conversation_id, b.leaf_id)} for b in found}

    def made(branch: BranchInfo) -> int:
        others = set().union(*(ids for leaf, ids in paths.items() if leaf != branch.leaf_id))
        return min(paths[branch.leaf_id] - others, default=branch.leaf_id)

    return sorted(found, key=made)


@COMMANDS.command("branch", help="switch to branch N", usage="N")
async def branch(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    found = numbered_branches(_store(chat), _current_id(chat))
    if not argument.isdigit() or not 1 <= int(argument) <= len(found):
        raise UsageError(f"usage: /branch N, with N from 1 to {len(found)}")
    chat.load(_current_id(chat), found[int(argument) - 1].leaf_id)
    return Notice(f"on branch {argument} ({len(chat.messages)} messages)")


@COMMANDS.command("export", help="write this conversation as markdown (.json: JSON)", usage="[PATH]",
                  arguments=[("PATH", "a file (.json: JSON, else markdown) or a folder to write it in")],
                  example="/export notes/chat.md")
async def export(ctx: CommandContext, argument: str) -> Result:
    from app.export import export_json, export_markdown

    chat = ctx.chat
    store, conversation_id = _store(chat), _current_id(chat)
    given = parse_arguments(argument).rest
    default_name = f"orch-{conversation_id}.md"
    path = Path(given).expanduser() if given else Path(default_name)
    if path.is_dir():
        path = path / default_name
    if path.suffix.lower() == ".json":
        text = json.dumps(export_json(store, conversation_id), ensure_ascii=False, indent=2) + "\n"
    else:
        text = export_markdown(store, conversation_id)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    return Notice(f"wrote {path} ({len(chat.messages)} messages)")


@COMMANDS.command("delete", help="delete a saved conversation (asks first)", usage="ID", complete=_ids)
async def delete(ctx: CommandContext, argument: str) -> Result:
    chat = ctx.chat
    store = _store(chat)
    if not argument:
        raise UsageError("usage: /delete ID")
    target = store.find_conversation(argument)

    async def really_delete() -> Result:
        store.delete_conversation(target.id)
        if chat.conversation_id == target.id:
            chat.clear()
        return Notice(f"deleted #{target.id}")

    return Confirm(f"Delete #{target.id} {target.title or '(untitled)'} ({target.message_count} messages)?",
                   really_delete)


def _plain_snippet(snippet: str) -> str:
    from app.store import MATCH_END, MATCH_START

    return " ".join(snippet.replace(MATCH_START, "»").replace(MATCH_END, "«").split())


def register(registry: Registry) -> None:
    """Add save, sessions, load, search, history, edit, branches, export and delete to `registry`."""
    registry.include(COMMANDS)
