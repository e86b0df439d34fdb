"""Problems in trainer-written files, as `file:line: key.path: message`."""

from __future__ import annotations

from pydantic import BaseModel, ValidationError

from . import vocabulary
from .yamlfile import YamlDoc


def path_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top)"


def _alias_loc(loc: tuple) -> tuple:
    # pydantic reports python names for aliased fields in some errors
    return tuple({"not_": "not", "if_": "if"}.get(p, p) if isinstance(p, str) else p for p in loc)


def _fields_at(model: type[BaseModel], loc: tuple) -> list[str]:
    """Known keys of the model found at `loc`, for 'did you mean'."""
    current: object = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) or next(
                (f for f in current.model_fields.values() if f.alias == part), None
            )
            if field is None:
                return []
            current = field.annotation
        else:
            args = getattr(current, "__args__", ())
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            current = models[0] if models else None
            if current is None:
                return []
            if isinstance(part, str) and part in current.model_fields:
                current = current.model_fields[part].annotation
    while not (isinstance(current, type) and issubclass(current, BaseModel)):
        args = getattr(current, "__args__", ())
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if not models:
            return []
        current = models[0]
    return [f.alias or name for name, f in current.model_fields.items()]


def schema_problems(doc: YamlDoc, error: ValidationError, model: type[BaseModel]) -> list[str]:
    out = []
    for err in error.errors(include_url=False):
        loc = _alias_loc(tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p)))
        kind, msg = err["type"], err["msg"]
        if kind == "missing":
            msg = "missing, this key is required"
        elif kind == "extra_forbidden":
            known = _fields_at(model, loc[:-1])
            msg = f"unknown key '{loc[-1]}'{vocabulary.suggest(loc[-1], known)}"
            if known:
                msg += f" (expected one of: {', '.join(known)})"
        elif kind == "literal_error":
            msg = f"{msg}, found {err.get('input')!r}"
        out.append(f"{doc.path}:{doc.line_of(loc)}: {path_str(loc)}: {msg}")
    return out
