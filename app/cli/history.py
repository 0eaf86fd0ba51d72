"""`orch history [ID]`, `orch search TEXT`, `orch export ID [PATH]`: saved conversations from the shell.

On a terminal, lists are tables and a conversation is rendered markdown; to
a pipe, lists are tab-separated lines (no header) and a conversation is its
markdown text as it is, so that the output can be read by other programs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.cli._subcommand import Subcommand
from app.errors import EXIT_OK, UsageError

if TYPE_CHECKING:
    import argparse

    from app.cli.wiring import Wiring
    from app.store import Store


def _when(moment) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _print_rows(columns: Sequence[str], rows: list[list[str]], note: str, empty: str) -> None:
    if not rows:
        print(empty, file=sys.stderr)
    elif sys.stdout.isatty():
        from app.commands.results import Table

        _show_on_terminal(Table(columns, rows, note=note))
    else:
        for row in rows:
            print("\t".join(row))


def _show_on_terminal(result: object) -> None:
    """Show a `Table` or `MarkdownText` as the REPL shows it."""
    from app.ui import present
    from app.ui.style import make_console

    present.show(make_console(), result)


def _document(store: Store, conversation_id: int, as_json: bool) -> str:
    if not as_json:
        from app.export import export_markdown

        return export_markdown(store, conversation_id)
    import json

    from app.export import export_json

    return json.dumps(export_json(store, conversation_id), ensure_ascii=False, indent=2) + "\n"


# --- orch history [ID] -------------------------------------------------------------


def history(args: argparse.Namespace, wiring: Wiring) -> int:
    store = wiring.store()
    if args.id is not None:
        text = _document(store, store.find_conversation(args.id).id, as_json=False)
        if sys.stdout.isatty():
            from app.commands.results import MarkdownText

            _show_on_terminal(MarkdownText(text))
        else:
            sys.stdout.write(text)
        return EXIT_OK
    rows = [[str(c.id), c.title or "(untitled)", c.model, str(c.message_count), _when(c.updated)]
            for c in store.list_conversations(args.limit)]  # fmt: skip
    _print_rows(["id", "title", "model", "messages", "last used"], rows,
                note="orch history ID shows one · orch -c or --resume ID continues it",
                empty="no saved conversations yet")  # fmt: skip
    return EXIT_OK


def _history_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", nargs="?", metavar="ID", help="a conversation's id or title: show it whole")
    parser.add_argument("-n", "--limit", type=int, default=30, metavar="N", help="list at most N (default 30)")


HISTORY = Subcommand("history", "saved conversations, most recent first; with an ID, that conversation",
                     _history_arguments, history)


# --- orch search TEXT --------------------------------------------------------------


def search(args: argparse.Namespace, wiring: Wiring) -> int:
    text = " ".join(args.text)
    if not text.strip():
        raise UsageError("nothing to search for", 'Example: orch search "rate limit"')
    rows = []
    for hit in wiring.store().search(text, limit=args.limit):
        snippet = "".join(f"»{piece}«" if matched else piece for piece, matched in hit.parts())
        title = hit.conversation_title or "(untitled)"
        rows.append([str(hit.conversation_id), title, hit.role, " ".join(snippet.split())])
    _print_rows(["id", "title", "role", "match"], rows, note="orch history ID shows a conversation",
                empty=f"nothing matches {text!r}")  # fmt: skip
    return EXIT_OK


def _search_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("text", nargs="+", metavar="TEXT", help="words to find in every saved message")
    parser.add_argument("-n", "--limit", type=int, default=20, metavar="N", help="at most N matches (default 20)")


SEARCH = Subcommand("search", "search every saved message", _search_arguments, search)


# --- orch export ID [PATH] ---------------------------------------------------------


def export(args: argparse.Namespace, wiring: Wiring) -> int:
    from pathlib import Path

    store = wiring.store()
    conversation = store.find_conversation(args.id)
    path = Path(args.path).expanduser() if args.path and args.path != "-" else None
    as_json = args.json or (path is not None and path.suffix.lower() == ".json")
    text = _document(store, conversation.id, as_json)
    if path is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    print(f"wrote {path} (conversation #{conversation.id})")
    return EXIT_OK


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="the conversation's id or title")
    parser.add_argument("path", nargs="?", metavar="PATH", help="where to write it (.json: JSON); default: stdout")
    parser.add_argument("--json", action="store_true", help="JSON instead of markdown")


EXPORT = Subcommand("export", "a conversation as markdown (or JSON) to a file or stdout", _export_arguments, export)
