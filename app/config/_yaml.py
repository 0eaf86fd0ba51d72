"""YAML read defensively: the line of every key and item, and the file's own faults at their line.

A config file is trusted no more than any input: aliases that would expand
without bound, aliases that contain themselves, keys that are lists or
mappings, control characters and invalid UTF-8 are `YamlProblem`s that carry
the line they were found at, never an internal error or a hang.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

# Nodes a file may hold once its aliases are expanded. The shipped files hold
# about a thousand; a "billion laughs" file passes this after a few levels.
MAX_NODES = 100_000

# libyaml's parser when PyYAML was built with it: the same nodes and marks, several times faster.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_BOOL_TAG = "tag:yaml.org,2002:bool"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlProblem(Exception):
    """What makes a file unreadable as YAML, and the line where it was found."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class Parsed:
    """A YAML document with what the schema checks need to point back into the file.

    Attributes:
        data: the document, as plain Python values.
        lines: the line of every mapping key and list item, by its path.
        booleans: paths of plain scalars YAML read as booleans, with the word written (`no`, `on`).
        problems: faults that leave the document readable, as (line, message): duplicate keys.
    """

    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)
    booleans: dict[tuple, str] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)


def decode(raw: bytes) -> str:
    """The text of a file that must be UTF-8.

    Raises:
        YamlProblem: at the line of the first byte that is not UTF-8.
    """
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})") from None


def parse(text: str) -> Parsed:
    """Parse one YAML document, safely.

    Raises:
        YamlProblem: a syntax error, a control character, an alias that
            expands too far or into itself, a key that is a list or mapping,
            nesting too deep to walk.
    """
    loader = _SafeLoader(text)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return Parsed(None)
            _measure(node)
            parsed = Parsed(None)
            _index(node, (), parsed)
            parsed.data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            what = exc.problem or exc.context or "invalid YAML"
            raise YamlProblem(mark.line + 1 if mark else 1, f"YAML syntax error: {what}") from None
        except yaml.reader.ReaderError as exc:
            line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 1
            raise YamlProblem(line, f"YAML error: character #x{exc.character:04x} is not allowed ({exc.reason})") from None
        except yaml.YAMLError as exc:
            raise YamlProblem(1, f"YAML error: {exc}") from None
        except RecursionError:
            raise YamlProblem(1, "YAML error: nested too deeply") from None
    finally:
        loader.dispose()
    return parsed


def load_with_lines(text: str) -> tuple[Any, dict[tuple, int]]:
    """The document in `text` and the line of every key and item (see `parse`)."""
    parsed = parse(text)
    return parsed.data, parsed.lines


def line_for(loc: tuple, lines: dict[tuple, int]) -> int:
    """The line of the deepest part of `loc` that exists in the file.

    Pydantic locations can hold parts that are not in the YAML (a union's
    tag), so parts that do not match are skipped rather than ending the walk.
    """
    path: tuple = ()
    best = lines.get((), 1)
    for part in loc:
        if path + (part,) in lines:
            path = path + (part,)
            best = lines[path]
    return best


def _measure(root: yaml.Node) -> None:
    """Refuse an alias that contains itself, or a tree that expands past MAX_NODES.

    Aliases share one node, so sizes are counted once per node: linear in the
    file, however far the aliases would expand.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise YamlProblem(node.start_mark.line + 1, "YAML error: an alias refers to the node that contains it")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, yaml.SequenceNode):
            total += sum(size(item) for item in node.value)
        open_nodes.discard(key)
        if total > MAX_NODES:
            raise YamlProblem(
                node.start_mark.line + 1,
                f"YAML error: aliases here expand past {MAX_NODES:,} values; write the data out instead",
            )
        sizes[key] = total
        return total

    size(root)


def _index(node: yaml.Node, path: tuple, parsed: Parsed) -> None:
    parsed.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _BOOL_TAG and not node.style:
            parsed.booleans[path] = node.value
    elif isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise YamlProblem(line, f"YAML error: a key is a {kind}; keys must be plain names")
            key = key_node.value
            if key_node.tag != _MERGE_TAG:
                if key in first_seen:
                    parsed.problems.append((line, f"key '{clip(key)}' is given twice (first at line {first_seen[key]})"))
                else:
                    first_seen[key] = line
            parsed.lines[path + (key,)] = line
            _index(value_node, path + (key,), parsed)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            parsed.lines[path + (i,)] = item.start_mark.line + 1
            _index(item, path + (i,), parsed)


def clip(value: object, limit: int = 200) -> str:
    """`value` as text, cut to about `limit` characters so that a huge value cannot flood a message."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"
