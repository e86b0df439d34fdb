"""Lessons and the checklists they score against (`lessons/`).

A lesson is one practice unit: a persona, the technique's briefing with model
phrases, the checklists that score the call, a pass mark, a mode, and two
replayable calls: a model call that passes and a poor one that fails.
Checklists live in `lessons/checklists/`, lessons in `lessons/*.yaml`; both are
validated like personas, every problem as `file:line: key.path: message`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from . import vocabulary
from .checklist import Checklist, Item, check_rules
from .persona import available
from .problems import path_str, schema_problems
from .yamlfile import FileProblem, YamlDoc, load_file, load_text

LESSON_DIR = Path(__file__).resolve().parent.parent / "lessons"


class ScriptedCall(BaseModel):
    """A replayable call: the trainee's lines with a seed."""

    model_config = ConfigDict(extra="forbid")
    seed: int = 0
    turns: list[Annotated[str, Field(min_length=1, max_length=2000)]] = Field(min_length=1)
    hangup: Literal["trainee", "customer"] | None = None


class Lesson(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,60}$")]
    title: str
    persona: str
    objective: str
    briefing: str = Field(description="the technique in a few lines")
    model_phrases: list[str] = Field(default_factory=list)
    checklists: list[str] = Field(min_length=1)
    skip: list[str] = Field(default_factory=list, description="item ids of the checklists left out here")
    pass_mark: int = Field(70, ge=0, le=100)
    mode: Literal["practice", "exam"] = "practice"
    transcript_editable: bool = Field(
        True, description="voice calls: the trainee may correct the recognized text before it is sent"
    )
    difficulty: int = Field(2, ge=1, le=5)
    order: int = Field(100, description="position in the curriculum")
    model_call: ScriptedCall
    poor_call: ScriptedCall


class LessonError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Library:
    """All checklists and lessons of a lessons folder."""

    checklists: dict[str, Checklist] = field(default_factory=dict)
    lessons: dict[str, Lesson] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def items_of(self, lesson: Lesson) -> list[Item]:
        items = [it for cid in lesson.checklists for it in self.checklists[cid].items]
        return [it for it in items if it.id not in lesson.skip]

    def curriculum(self) -> list[Lesson]:
        return sorted(self.lessons.values(), key=lambda lesson: (lesson.order, lesson.id))

    def lesson(self, lesson_id: str) -> Lesson:
        if lesson_id not in self.lessons:
            known = sorted(self.lessons)
            raise LessonError(
                [f"unknown lesson '{lesson_id}'{vocabulary.suggest(lesson_id, known)} (known: {', '.join(known)})"]
            )
        return self.lessons[lesson_id]

    def lesson_for(self, persona_id: str) -> Lesson | None:
        return next((lesson for lesson in self.curriculum() if lesson.persona == persona_id), None)


def _validated(doc: YamlDoc, model):
    if not isinstance(doc.data, dict):
        raise LessonError([f"{doc.path}:1: expected a mapping of keys"])
    try:
        return model.model_validate(doc.data)
    except ValidationError as e:
        raise LessonError(schema_problems(doc, e, model)) from None


def load_checklist(path: str | Path) -> Checklist:
    try:
        doc = load_file(path)
    except FileProblem as e:
        raise LessonError([str(e)]) from None
    cl = _validated(doc, Checklist)
    problems = [f"{doc.path}:{doc.line_of(loc)}: {path_str(loc)}: {msg}" for loc, msg in check_rules(cl)]
    if problems:
        raise LessonError(problems)
    return cl


def kind_of(data: object) -> str:
    """What a trainer file is, from its top-level keys: checklist, lesson or persona."""
    if isinstance(data, dict) and "items" in data:
        return "checklist"
    if isinstance(data, dict) and "checklists" in data:
        return "lesson"
    return "persona"


def load_lesson(path: str | Path, checklists: dict[str, Checklist], personas: list[str] | None = None) -> Lesson:
    try:
        doc = load_file(path)
    except FileProblem as e:
        raise LessonError([str(e)]) from None
    return lesson_from_doc(doc, checklists, personas)


def lesson_from_text(text: str, name: str, checklists: dict[str, Checklist],
                     personas: list[str] | None = None) -> Lesson:
    try:
        doc = load_text(text, name)
    except FileProblem as e:
        raise LessonError([str(e)]) from None
    return lesson_from_doc(doc, checklists, personas)


def lesson_from_doc(doc: YamlDoc, checklists: dict[str, Checklist], personas: list[str] | None = None) -> Lesson:
    """A checked lesson: its persona, checklists and skipped items must exist."""
    lesson = _validated(doc, Lesson)
    personas = personas if personas is not None else available()
    problems = []

    def add(loc: tuple, msg: str) -> None:
        problems.append(f"{doc.path}:{doc.line_of(loc)}: {path_str(loc)}: {msg}")

    if lesson.persona not in personas:
        add(("persona",), f"unknown persona '{lesson.persona}'{vocabulary.suggest(lesson.persona, personas)}")
    for i, cid in enumerate(lesson.checklists):
        if cid not in checklists:
            add(("checklists", i), f"unknown checklist '{cid}'{vocabulary.suggest(cid, list(checklists))}")
    item_ids = {it.id for cid in lesson.checklists if cid in checklists for it in checklists[cid].items}
    for i, iid in enumerate(lesson.skip):
        if iid not in item_ids:
            add(("skip", i), f"no item '{iid}' in this lesson's checklists{vocabulary.suggest(iid, item_ids)}")
    if problems:
        raise LessonError(problems)
    return lesson


def load_library(directory: Path = LESSON_DIR) -> Library:
    """Every checklist and lesson; a broken file is reported, the rest still load."""
    lib = Library()
    for path in sorted((directory / "checklists").glob("*.yaml")):
        try:
            cl = load_checklist(path)
            lib.checklists[cl.id] = cl
        except LessonError as e:
            lib.problems += e.problems
    for path in sorted(directory.glob("*.yaml")):
        try:
            lesson = load_lesson(path, lib.checklists)
            lib.lessons[lesson.id] = lesson
        except LessonError as e:
            lib.problems += e.problems
    return lib


@lru_cache(maxsize=1)
def default_library() -> Library:
    return load_library()
