"""The path through the lessons (跟): progress, weakest items, the next lesson.

Works on the call summaries the store keeps (`score`, `passed`, and `items`:
item id → passed, for finished calls).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .lesson import Lesson, Library


@dataclass
class Progress:
    attempts: int = 0
    best: int | None = None
    passed: bool = False


@dataclass
class Suggestion:
    lesson: Lesson
    weak_items: list[str] = field(default_factory=list)  # item titles the lesson trains


def progress(library: Library, records: list[dict]) -> dict[str, Progress]:
    out = {lesson_id: Progress() for lesson_id in library.lessons}
    for r in records:
        p = out.get(r.get("lesson"))
        if p is None or r.get("score") is None:
            continue
        p.attempts += 1
        p.best = r["score"] if p.best is None else max(p.best, r["score"])
        p.passed = p.passed or bool(r.get("passed"))
    return out


def item_rates(records: list[dict]) -> dict[str, float]:
    """Pass rate of each checklist item over the trainee's finished calls."""
    seen: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        for item_id, passed in (r.get("items") or {}).items():
            seen[item_id][0] += bool(passed)
            seen[item_id][1] += 1
    return {item_id: ok / n for item_id, (ok, n) in seen.items()}


def suggest_next(library: Library, records: list[dict]) -> Suggestion | None:
    """The lesson not yet passed that trains the trainee's weakest items most;
    with no history, the first lesson of the path; None when all are passed."""
    done = progress(library, records)
    open_lessons = [lesson for lesson in library.curriculum() if not done[lesson.id].passed]
    if not open_lessons:
        return None
    rates = item_rates(records)
    weak = {item_id: 1 - rate for item_id, rate in rates.items() if rate < 1}
    if not weak:
        return Suggestion(open_lessons[0])

    def need(lesson: Lesson) -> float:
        return sum(weak.get(item.id, 0) for item in library.items_of(lesson))

    best = max(open_lessons, key=need)  # max keeps the first of equals: curriculum order
    if need(best) == 0:
        return Suggestion(open_lessons[0])
    titles = [item.title for item in sorted(library.items_of(best), key=lambda it: -weak.get(it.id, 0))
              if item.id in weak][:3]
    return Suggestion(best, titles)
