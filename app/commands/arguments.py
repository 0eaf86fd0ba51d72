"""The one argument grammar of every slash-command.

After the command's fixed words (a chain's name, the models of /compare),
options (`--dry-run`) and `KEY=VALUE` pairs may stand anywhere, and `--` ends
them: what follows it is text, whatever it looks like. Every word starting
with `--` is an option, so a mistyped one is an error rather than a word sent
to a model; a `KEY=VALUE` word is a pair only when the command takes that key
(`x=1` in a prompt stays prose). What is left is the command's free text,
with the spacing it was typed with.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from app.errors import UsageError

__all__ = ["Arguments", "parse_arguments"]

_TOKEN = re.compile(r"\S+")
_PAIR = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=(.*)", re.DOTALL)
END_OF_OPTIONS = "--"

Keys = Collection[str] | Callable[[Sequence[str]], Collection[str]]


@dataclass(frozen=True)
class Arguments:
    """A command's arguments, taken apart.

    Attributes:
        words: the fixed words, in order (fewer than asked for when the line ran out).
        options: the options given, e.g. `{"--dry-run"}`.
        pairs: the `KEY=VALUE` pairs given, the last one winning for a key given twice.
        rest: the free text after the fixed words, without options and pairs, as typed.
    """

    words: tuple[str, ...] = ()
    options: frozenset[str] = frozenset()
    pairs: dict[str, str] = field(default_factory=dict)
    rest: str = ""


def parse_arguments(text: str, *, fixed: int = 0, options: Collection[str] = (), keys: Keys = ()) -> Arguments:
    """Take the text after a command's name apart by the one grammar (see the module's docstring).

    Args:
        text: what was typed after the command's name.
        fixed: how many fixed words come first.
        options: the options the command takes, with their dashes.
        keys: the keys the command takes as pairs; or a function of the fixed words giving them
            (a chain's variables depend on the chain named).

    Raises:
        UsageError: an option the command does not take, with the nearest one as a hint.
    """
    words: list[str] = []
    given: set[str] = set()
    pairs: dict[str, str] = {}
    kept: list[re.Match[str]] = []
    adjacent: list[bool] = []  # whether each kept word follows the one before it with nothing taken out
    ended = False
    previous_kept = False
    for match in _TOKEN.finditer(text):
        token = match.group()
        taken = True
        if not ended and token == END_OF_OPTIONS:
            ended = True
        elif not ended and token.startswith("--"):
            given.add(_known_option(token, options))
        elif len(words) < fixed:
            words.append(token)
        elif not ended and (pair := _PAIR.fullmatch(token)) and pair[1] in _keys(keys, words):
            pairs[pair[1]] = pair[2]
        else:
            taken = False
            adjacent.append(previous_kept)
            kept.append(match)
        previous_kept = not taken
    return Arguments(tuple(words), frozenset(given), pairs, _join(text, kept, adjacent))


def _keys(keys: Keys, words: Sequence[str]) -> Collection[str]:
    return keys(words) if callable(keys) else keys


def _known_option(token: str, options: Collection[str]) -> str:
    if token in options:
        return token
    near = difflib.get_close_matches(token, list(options), n=1, cutoff=0.5)
    hint = f"Did you mean {near[0]}?" if near else (
        f"Options: {', '.join(sorted(options))}." if options else "This command takes no options."
    )
    raise UsageError(f"unknown option {token}", f"{hint} Put -- before text that starts with --.")


def _join(text: str, kept: list[re.Match[str]], adjacent: list[bool]) -> str:
    """The kept words as typed: with the spacing between neighbours, one space where a word was taken out."""
    out: list[str] = []
    for i, match in enumerate(kept):
        if i:
            out.append(text[kept[i - 1].end() : match.start()] if adjacent[i] else " ")
        out.append(match.group())
    return "".join(out)
