"""Refuse regular expressions that can backtrack catastrophically.

Cue files and checklists carry trainer-written patterns, and Python's `re`
has no time limit, so a pattern like `(a+)+$` could stall a call. We refuse
the shapes that cause it — a quantified group whose body is itself quantified
(nested quantifiers), quantified alternatives that can match the same text,
and back-references — plus overlong patterns, before compiling.
"""

from __future__ import annotations

import re

try:  # Python 3.11: the parser lives in re._parser
    from re import _parser as sre_parse  # type: ignore[attr-defined]
    from re import _constants as sre_c  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

MAX_PATTERN = 300
_REPEATS = {sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)} - {None}


def problem(pattern: str) -> str | None:
    """Why `pattern` is refused, or None when it is safe to use."""
    if len(pattern) > MAX_PATTERN:
        return f"pattern is {len(pattern)} characters, at most {MAX_PATTERN}"
    try:
        parsed = sre_parse.parse(pattern)
    except re.error as e:
        return f"bad regular expression: {e}"
    return _walk(parsed, inside_repeat=False)


def _walk(items, inside_repeat: bool) -> str | None:
    for op, av in items:
        if op in (sre_c.GROUPREF, getattr(sre_c, "GROUPREF_EXISTS", None)):
            return "back-references are not allowed"
        if op in _REPEATS:
            lo, hi, body = av
            unbounded = hi == sre_c.MAXREPEAT or hi > 100
            if inside_repeat and hi > 1:
                return "nested quantifiers such as (a+)+ can take forever; rewrite without repeating a repeat"
            if unbounded and _has_alternation(body):
                return "a repeated alternation such as (a|a)* can take forever; rewrite it"
            found = _walk(body, inside_repeat or unbounded)
            if found:
                return found
        elif op == sre_c.SUBPATTERN:
            found = _walk(av[-1], inside_repeat)
            if found:
                return found
        elif op == sre_c.BRANCH:
            for branch in av[1]:
                found = _walk(branch, inside_repeat)
                if found:
                    return found
        elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            found = _walk(av[1], inside_repeat)
            if found:
                return found
    return None


def _has_alternation(items) -> bool:
    for op, av in items:
        if op == sre_c.BRANCH:
            # single-character alternatives (a|b) cannot overlap in length: harmless;
            # anything else (a|aa, or an empty branch after prefix factoring) can
            return any(len(list(b)) != 1 for b in av[1])
        if op == sre_c.SUBPATTERN and _has_alternation(av[-1]):
            return True
    return False
