"""Reading trainer-written YAML safely, keeping the line of every key.

Persona and lesson files are written by people, so every error must point at a
line. We compose the YAML node tree with PyYAML's SafeLoader (no object
construction, no tags beyond the safe ones), measure it before building Python
objects (an alias bomb is small as nodes but huge once expanded), then build the
data with the SafeConstructor — the same thing `yaml.safe_load` does, in steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 1_000_000  # a persona is a few KB; 1 MB leaves room and refuses a 50 MB file
MAX_NODES = 200_000  # after alias expansion


class FileProblem(Exception):
    """A file that cannot be read at all: one message, already `file:line: ...`."""


@dataclass
class YamlDoc:
    """Data of one YAML file and where each key path starts in it."""

    path: str
    data: Any
    lines: dict[tuple, int] = field(default_factory=dict)

    def line_of(self, loc: tuple) -> int:
        """The line of the deepest known prefix of `loc` (1-based)."""
        loc = tuple(loc)
        while loc:
            if loc in self.lines:
                return self.lines[loc]
            loc = loc[:-1]
        return self.lines.get((), 1)


def read_text(path: str | Path, max_bytes: int = MAX_BYTES) -> str:
    """Read a trainer file as UTF-8 text, refusing huge or undecodable files."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError as e:
        raise FileProblem(f"{path}:1: cannot read file: {e.strerror or e}") from None
    if p.is_dir():
        raise FileProblem(f"{path}:1: is a directory, expected a .yaml file")
    if size > max_bytes:
        raise FileProblem(f"{path}:1: file is {size:,} bytes, larger than the {max_bytes:,} allowed")
    raw = p.read_bytes()
    return decode(raw, str(path))


def decode(raw: bytes, name: str) -> str:
    """UTF-8 (with or without BOM); anything else gets a clear message."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise FileProblem(
            f"{name}:{line}: not valid UTF-8 (byte 0x{raw[e.start]:02x}); save the file as UTF-8"
        ) from None


def load_text(text: str, name: str, max_nodes: int = MAX_NODES) -> YamlDoc:
    """Parse YAML text safely into a YamlDoc, or raise FileProblem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else 1
        raise FileProblem(f"{name}:{line}: invalid YAML: {e.problem or e.context}") from None
    except yaml.YAMLError as e:
        raise FileProblem(f"{name}:1: invalid YAML: {e}") from None
    except RecursionError:
        raise FileProblem(f"{name}:1: the document is nested too deeply; refused") from None
    if node is None:
        raise FileProblem(f"{name}:1: the file is empty")
    total = _expanded_size(node, {}, max_nodes)
    if total > max_nodes:
        raise FileProblem(
            f"{name}:1: the document expands to more than {max_nodes:,} values "
            "(aliases repeating aliases); refused"
        )
    try:
        data = yaml.SafeLoader("").construct_document(node)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise FileProblem(f"{name}:{line}: invalid YAML: {getattr(e, 'problem', e)}") from None
    lines: dict[tuple, int] = {}
    _index_lines(node, (), lines, depth=0)
    return YamlDoc(path=name, data=data, lines=lines)


def load_file(path: str | Path) -> YamlDoc:
    return load_text(read_text(path), str(path))


def _expanded_size(node: yaml.Node, memo: dict[int, int], limit: int) -> int:
    """Number of nodes once aliases are expanded, stopping early past `limit`."""
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = limit + 1  # a cycle counts as too big
    if isinstance(node, yaml.ScalarNode):
        n = 1
    elif isinstance(node, yaml.SequenceNode):
        n = 1
        for child in node.value:
            n += _expanded_size(child, memo, limit)
            if n > limit:
                break
    else:
        n = 1
        for k, v in node.value:
            n += _expanded_size(k, memo, limit) + _expanded_size(v, memo, limit)
            if n > limit:
                break
    memo[key] = n
    return n


def _index_lines(node: yaml.Node, loc: tuple, out: dict[tuple, int], depth: int) -> None:
    if depth > 64:
        return
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            _index_lines(child, loc + (i,), out, depth + 1)
    elif isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode):
                out[loc + (k.value,)] = k.start_mark.line + 1
                _index_lines(v, loc + (k.value,), out, depth + 1)
                # the key's own line wins over its value's (a block value starts below)
                out[loc + (k.value,)] = k.start_mark.line + 1
