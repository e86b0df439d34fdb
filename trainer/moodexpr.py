"""Mood conditions such as `anger < 40 and trust >= 30`, evaluated without eval.

A persona file is data from a trainer, possibly an untrusted upload, so a
condition may only use mood names (and `turn`), numbers, comparisons,
`and`/`or`/`not` and + - * / %. We parse with `ast` and walk a whitelist; any
other node (calls, attributes, subscripts, lambdas, strings, **) is refused at
load time with what was found.
"""

from __future__ import annotations

import ast
import operator
from typing import Callable, Iterable, Mapping

MAX_LENGTH = 200

_BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: lambda a, b: a / b if b else 0.0,  # a trainer's /0 must not crash a call
    ast.Mod: lambda a, b: a % b if b else 0.0,
}
_CMP = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_NAMES = {
    ast.Call: "function calls",
    ast.Attribute: "attribute access",
    ast.Subscript: "subscripts",
    ast.Lambda: "lambdas",
    ast.Pow: "'**'",
    ast.FloorDiv: "'//'",
    ast.IfExp: "'if ... else'",
}

Env = Mapping[str, float]
Compiled = Callable[[Env], float]


class ExprError(ValueError):
    """A condition that is not allowed or does not parse."""


class MoodExpr:
    """A compiled, whitelisted mood condition."""

    def __init__(self, source: str, names: Iterable[str]):
        self.source = source
        self.names = frozenset(names)
        if len(source) > MAX_LENGTH:
            raise ExprError(f"condition is {len(source)} characters, at most {MAX_LENGTH} allowed")
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as e:
            raise ExprError(f"cannot parse condition {source!r}: {e.msg}") from None
        self._fn = self._compile(tree.body)

    def __call__(self, env: Env) -> bool:
        return bool(self._fn(env))

    def _compile(self, node: ast.AST) -> Compiled:
        if isinstance(node, ast.BoolOp):
            parts = [self._compile(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda env: all(p(env) for p in parts)
            return lambda env: any(p(env) for p in parts)
        if isinstance(node, ast.UnaryOp):
            inner = self._compile(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda env: not inner(env)
            if isinstance(node.op, ast.USub):
                return lambda env: -inner(env)
            if isinstance(node.op, ast.UAdd):
                return inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            op, left, right = _BIN[type(node.op)], self._compile(node.left), self._compile(node.right)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.Compare):
            if not all(type(o) in _CMP for o in node.ops):
                raise ExprError("only < <= > >= == != comparisons are allowed")
            first = self._compile(node.left)
            rest = [(_CMP[type(o)], self._compile(c)) for o, c in zip(node.ops, node.comparators)]

            def compare(env: Env) -> bool:
                left = first(env)
                for op, right_fn in rest:
                    right = right_fn(env)
                    if not op(left, right):
                        return False
                    left = right
                return True

            return compare
        if isinstance(node, ast.Name):
            name = node.id
            if name not in self.names:
                known = ", ".join(sorted(self.names))
                raise ExprError(f"unknown name '{name}' in condition (known: {known})")
            return lambda env: env[name]
        if isinstance(node, ast.Constant) and type(node.value) in (int, float):
            value = node.value
            return lambda env: value
        if isinstance(node, ast.Constant):
            raise ExprError(f"only numbers are allowed as constants, found {node.value!r}")
        what = _NAMES.get(type(node)) or _NAMES.get(type(getattr(node, "op", None)))
        raise ExprError(f"{what or type(node).__name__} not allowed in a condition")
