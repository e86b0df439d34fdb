"""The coaching vocabulary: the stable act ids, their groups and labels."""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import yaml

CONTENT = Path(__file__).parent / "content"


@lru_cache(maxsize=1)
def _groups() -> dict[str, dict[str, str]]:
    with open(CONTENT / "acts.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def acts() -> dict[str, str]:
    """Every act id with its Chinese label, in vocabulary order."""
    return {act: label for group in _groups().values() for act, label in group.items()}


def group_of(act: str) -> str:
    for group, members in _groups().items():
        if act in members:
            return group
    raise KeyError(act)


def faults() -> list[str]:
    return list(_groups()["faults"])


def suggest(word: str, known: list[str] | set[str] | tuple[str, ...]) -> str:
    """' (did you mean 'x'?)' when a close match exists, else ''."""
    close = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
