"""Persona and lesson files uploaded by trainers: validated, stored as text in
the database, read back as data (safe YAML), never executed. A file that does
not validate is refused with its `file:line` problems and is never stored, so
one trainer's broken upload cannot break the app for anyone else; a stored one
that stops validating (say a persona it needs was removed) is skipped and
reported, like a broken bundled file."""

from __future__ import annotations

import time

from sqlalchemy import delete, insert, select

from .db import uploads
from .lesson import Lesson, LessonError, Library, kind_of, lesson_from_text, load_library
from .persona import Persona, PersonaError, available, persona_from_text
from .store import CallStore, default_store
from .yamlfile import MAX_BYTES, FileProblem, decode, load_text


class UploadError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _kind(text: str, name: str) -> str:
    try:
        data = load_text(text, name).data
    except FileProblem as e:
        raise UploadError([str(e)]) from None
    kind = kind_of(data)
    if kind == "checklist":
        raise UploadError([f"{name}:1: a checklist file; only persona and lesson files can be uploaded"])
    return kind


def upload(raw: bytes, filename: str, by: str, store: CallStore | None = None) -> tuple[str, str]:
    """Validate and store one uploaded file; returns (kind, id)."""
    store = store or default_store()
    if len(raw) > MAX_BYTES:
        raise UploadError([f"{filename}:1: file is {len(raw):,} bytes, larger than the {MAX_BYTES:,} allowed"])
    try:
        text = decode(raw, filename)
    except FileProblem as e:
        raise UploadError([str(e)]) from None
    kind = _kind(text, filename)
    if kind == "persona":
        try:
            item_id = persona_from_text(text, filename).id
        except PersonaError as e:
            raise UploadError(e.problems) from None
        if item_id in available():
            raise UploadError([f"{filename}:1: id: '{item_id}' is a bundled persona; choose another id"])
    else:
        try:
            lesson = _lesson_from_text(text, filename, load_library().checklists, store)
        except LessonError as e:
            raise UploadError(e.problems) from None
        item_id = lesson.id
    with store.engine.begin() as conn:
        conn.execute(delete(uploads).where(uploads.c.kind == kind, uploads.c.name == item_id))
        conn.execute(insert(uploads).values(kind=kind, name=item_id, text=text, uploaded_by=by, created_at=time.time()))
    return kind, item_id


def uploaded_persona(persona_id: str, store: CallStore | None = None) -> Persona | None:
    store = store or default_store()
    with store.engine.connect() as conn:
        text = conn.execute(select(uploads.c.text).where(uploads.c.kind == "persona",
                                                         uploads.c.name == persona_id)).scalar()
    return persona_from_text(text, f"upload:{persona_id}.yaml") if text is not None else None


def uploaded_persona_ids(store: CallStore | None = None) -> list[str]:
    store = store or default_store()
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(uploads.c.name).where(uploads.c.kind == "persona")).scalars())


def _lesson_from_text(text: str, name: str, checklists: dict, store: CallStore) -> Lesson:
    return lesson_from_text(text, name, checklists, available() + uploaded_persona_ids(store))


def library(store: CallStore | None = None) -> Library:
    """The bundled library plus the lessons trainers uploaded."""
    store = store or default_store()
    lib = load_library()
    with store.engine.connect() as conn:
        rows = conn.execute(select(uploads.c.name, uploads.c.text).where(uploads.c.kind == "lesson")).all()
    for name, text in rows:
        try:
            lesson = _lesson_from_text(text, f"upload:{name}.yaml", lib.checklists, store)
        except LessonError as e:
            lib.problems += e.problems
            continue
        lib.lessons.setdefault(lesson.id, lesson)
    return lib
