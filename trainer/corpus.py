"""Labelled lines: the corpus the act matcher learns from, and trainers' corrections.

One JSON object per line (JSON Lines), labelled by docs/labelling.md:

    {"line": "您好，这边看到您上月扣了十块钱彩铃费", "acts": ["greet", "cite_facts"],
     "writer": "w01", "style": "asr", "domain": "mobile"}

`writer` and `style` say where a line comes from, so cross-validation never
trains and tests on the same writer. The bundled corpus is
`content/corpus/*.jsonl`; corrections exported from the app have the same
shape (writer `trainer:<name>`). A file that is not of this shape is refused
with `file:line: what is wrong`; nothing in it is executed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from . import vocabulary
from .text import MAX_LINE

CORPUS_DIR = Path(__file__).parent / "content" / "corpus"
MAX_FILE_BYTES = 20_000_000
MAX_RECORD_CHARS = 3 * MAX_LINE
MAX_RECORDS = 200_000


class CorpusError(ValueError):
    """A labelled-lines file that cannot be used; the message says where and why."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    line: str = Field(min_length=1, max_length=MAX_LINE)
    acts: list[str] = Field(max_length=40)
    writer: str = Field(default="", max_length=80)
    style: str = Field(default="", max_length=60)
    domain: str = Field(default="", max_length=60)
    by: str = Field(default="", max_length=80)  # who corrected it (exports of corrections)
    at: float | int | None = None  # when
    call: str = Field(default="", max_length=40)  # the call and turn it came from
    turn: int | None = None

    @field_validator("line")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the line is blank")
        return v

    @field_validator("acts")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        known = vocabulary.acts()
        for a in v:
            if a not in known:
                raise ValueError(f"unknown act '{a}'{vocabulary.suggest(a, known)}")
        if len(set(v)) != len(v):
            raise ValueError("an act is listed twice")
        return v


@dataclass(frozen=True)
class Labelled:
    """One labelled line and where it comes from."""

    line: str
    acts: frozenset[str]
    writer: str = ""
    style: str = ""
    domain: str = ""
    where: str = ""  # file:line

    @property
    def group(self) -> str:
        """The cross-validation group: a writer's lines are never split between train and test."""
        return self.writer or self.where.rsplit(":", 1)[0]

    def to_json(self, **extra) -> str:
        d = {"line": self.line, "acts": sorted(self.acts, key=_order), "writer": self.writer,
             "style": self.style, "domain": self.domain, **extra}
        return json.dumps({k: v for k, v in d.items() if v not in ("", None)} | {"acts": d["acts"]},
                          ensure_ascii=False)


def _order(act: str) -> int:
    return list(vocabulary.acts()).index(act) if act in vocabulary.acts() else 999


def parse(text: str, name: str = "<text>") -> list[Labelled]:
    """Labelled lines from JSON Lines text; CorpusError naming the first bad line."""
    out: list[Labelled] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        if len(out) >= MAX_RECORDS:
            raise CorpusError(f"{where}: more than {MAX_RECORDS:,} labelled lines in one file")
        if len(raw) > MAX_RECORD_CHARS:
            raise CorpusError(f"{where}: the record is {len(raw):,} characters long (at most {MAX_RECORD_CHARS:,})")
        try:
            data = json.loads(raw, parse_constant=_no_constant)
        except (json.JSONDecodeError, RecursionError, ValueError) as e:
            raise CorpusError(f"{where}: not a JSON object: {_short(e)}") from None
        if not isinstance(data, dict):
            raise CorpusError(f"{where}: expected an object like {{\"line\": \"…\", \"acts\": [\"greet\"]}}")
        try:
            r = _Record.model_validate(data)
        except ValidationError as e:
            err = e.errors()[0]
            field = ".".join(str(p) for p in err["loc"]) or "record"
            raise CorpusError(f"{where}: {field}: {_pydantic_message(err)}") from None
        out.append(Labelled(r.line.strip(), frozenset(r.acts), r.writer, r.style, r.domain, where))
    return out


def read(path: str | Path) -> list[Labelled]:
    """A JSON Lines file of labelled lines (UTF-8, at most 20 MB)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CorpusError(f"{p}:1: the file is {size:,} bytes (at most {MAX_FILE_BYTES:,})")
        raw = p.read_bytes()
    except OSError as e:
        raise CorpusError(f"{p}: cannot read: {e.strerror}") from None
    return parse(decode(raw, str(p)), str(p))


def decode(raw: bytes, name: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CorpusError(f"{name}:{line}: not UTF-8 text (byte {e.start})") from None


def bundled(folder: Path = CORPUS_DIR) -> list[Labelled]:
    """The bundled corpus, every file of it, in a stable order."""
    out: list[Labelled] = []
    for f in sorted(Path(folder).glob("*.jsonl")):
        out += read(f)
    return out


def digest(lines: Iterable[Labelled]) -> str:
    """A fingerprint of the lines and labels (not of where they come from)."""
    h = hashlib.sha256()
    for x in lines:
        h.update(json.dumps([x.line, sorted(x.acts), x.writer], ensure_ascii=False).encode())
    return h.hexdigest()


def _no_constant(name: str):
    raise ValueError(f"{name} is not allowed")


def _short(e: Exception) -> str:
    if isinstance(e, RecursionError):
        return "nested too deeply"
    return str(e).split(":")[0] if isinstance(e, json.JSONDecodeError) else str(e)


def _pydantic_message(err: dict) -> str:
    msg = err.get("msg", "invalid")
    return msg.removeprefix("Value error, ")


def describe(lines: list[Labelled]) -> str:
    """Counts by writer, style and act: what a corpus holds."""
    from collections import Counter

    writers = Counter(x.writer or "?" for x in lines)
    styles = Counter(x.style or "?" for x in lines)
    acts = Counter(a for x in lines for a in x.acts)
    rows = [f"{len(lines)} labelled lines, {len(writers)} writers, {len(styles)} styles, "
            f"{sum(1 for x in lines if not x.acts)} with no act"]
    rows.append("writers: " + ", ".join(f"{w} {n}" for w, n in sorted(writers.items())))
    rows.append("styles:  " + ", ".join(f"{s} {n}" for s, n in styles.most_common()))
    rows.append("acts:    " + ", ".join(f"{a} {acts.get(a, 0)}" for a in vocabulary.acts()))
    return "\n".join(rows)
