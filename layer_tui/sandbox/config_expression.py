"""The part of AWS Config's advanced query language the sandbox understands, parsed strictly.

Config's language is a subset of SQL SELECT with no FROM. The app sends only
``SELECT field, ... WHERE condition AND condition ...`` with ``=``, ``LIKE`` (``%`` and ``_``
wildcards) and ``IN ('a', 'b')``; anything else is refused by name (Config's own
InvalidExpressionException), so a query the sandbox would answer wrongly never answers at all.
A condition on an array property (``configuration.layers.arn``) holds when any element matches,
as it does in Config.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Property paths at the top of a configuration item; under ``configuration`` anything goes
#: (what is not recorded is simply absent, as in Config).
TOP_LEVEL_FIELDS = frozenset({
    "accountId", "awsRegion", "resourceId", "resourceName", "resourceType", "arn",
    "configurationItemCaptureTime", "configurationItemStatus", "configuration",
})  # fmt: skip

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<word>[A-Za-z_][A-Za-z0-9_.]*)"
    r"|(?P<punct>[,()=*])|(?P<other>\S+))"
)
#: Words of Config's language the sandbox does not serve: named when refused.
_UNSERVED = frozenset({
    "OR", "NOT", "GROUP", "ORDER", "BY", "COUNT", "SUM", "MIN", "MAX", "AVG", "BETWEEN",
    "DISTINCT", "AS", "LIMIT", "FROM", "IS", "NULL", "EXISTS",
})  # fmt: skip


class ExpressionError(ValueError):
    """The expression is outside what the sandbox serves; the message names the part."""


@dataclass(frozen=True)
class Condition:
    path: tuple[str, ...]
    operator: str  # "=", "LIKE" or "IN"
    values: tuple[str, ...]

    def holds(self, document: dict[str, Any]) -> bool:
        found = leaves(document, self.path)
        if self.operator == "LIKE":
            pattern = _like_pattern(self.values[0])
            return any(isinstance(v, str) and pattern.fullmatch(v) for v in found)
        return any(isinstance(v, str | int) and str(v) in self.values for v in found)


@dataclass(frozen=True)
class SelectExpression:
    fields: tuple[tuple[str, ...], ...]
    conditions: tuple[Condition, ...]

    @property
    def field_names(self) -> list[str]:
        return [".".join(path) for path in self.fields]

    def matches(self, document: dict[str, Any]) -> bool:
        return all(condition.holds(document) for condition in self.conditions)

    def equal_to(self, dotted: str) -> tuple[str, ...] | None:
        """The values an ``=`` or ``IN`` condition on ``dotted`` allows, if there is one: what
        lets an index answer without looking at every item."""
        path = tuple(dotted.split("."))
        for condition in self.conditions:
            if condition.path == path and condition.operator in ("=", "IN"):
                return condition.values
        return None

    def prefix_of(self, dotted: str) -> str | None:
        """The fixed start of a ``LIKE 'start%'`` condition on ``dotted``, if there is one."""
        path = tuple(dotted.split("."))
        for condition in self.conditions:
            if condition.path == path and condition.operator == "LIKE":
                start = re.split(r"[%_]", condition.values[0], maxsplit=1)[0]
                return start
        return None

    def project(self, document: dict[str, Any]) -> dict[str, Any]:
        """Only the selected properties, nested as Config nests them in each result."""
        pruned = _prune(document, set(self.fields))
        return pruned if isinstance(pruned, dict) else {}


def parse(expression: str) -> SelectExpression:
    tokens = list(_tokens(expression))
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(kind: str, word: str | None = None) -> str:
        nonlocal position
        token = peek()
        if token is None:
            raise ExpressionError(f"the expression ends where {word or kind} was expected")
        if token[0] != kind or (word is not None and token[1].upper() != word):
            raise ExpressionError(f"{token[1]!r} where {word or kind} was expected")
        position += 1
        return token[1]

    take("word", "SELECT")
    fields = [_field(take("word"))]
    while (token := peek()) is not None and token == ("punct", ","):
        position += 1
        fields.append(_field(take("word")))
    conditions: list[Condition] = []
    if peek() is not None:
        take("word", "WHERE")
        while True:
            path = _field(take("word"))
            token = peek()
            operator = take("word").upper() if token and token[0] == "word" else take("punct")
            if operator == "=" or operator == "LIKE":
                conditions.append(Condition(path, operator, (_string(take("string")),)))
            elif operator == "IN":
                take("punct")  # "("
                values = [_string(take("string"))]
                while (token := peek()) is not None and token == ("punct", ","):
                    position += 1
                    values.append(_string(take("string")))
                if take("punct") != ")":
                    raise ExpressionError("IN's list must end with ')'")
                conditions.append(Condition(path, "IN", tuple(values)))
            else:
                raise ExpressionError(f"the operator {operator!r} (served: =, LIKE, IN)")
            if peek() is None:
                break
            take("word", "AND")
    return SelectExpression(tuple(fields), tuple(conditions))


def _tokens(expression: str) -> Iterator[tuple[str, str]]:
    for match in _TOKEN.finditer(expression):
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        if kind == "other" or value == "*":
            raise ExpressionError(f"{value!r} is not served by the sandbox's Config")
        if kind == "word" and value.upper() in _UNSERVED:
            raise ExpressionError(f"{value.upper()} is not served by the sandbox's Config")
        yield kind, value


def _field(word: str) -> tuple[str, ...]:
    path = tuple(word.split("."))
    if path[0] not in TOP_LEVEL_FIELDS or "" in path:
        raise ExpressionError(f"the property {word!r} (not recorded for AWS::Lambda::Function)")
    return path


def _string(literal: str) -> str:
    return literal[1:-1].replace("''", "'")


def _like_pattern(value: str) -> re.Pattern[str]:
    parts = (".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in value)
    return re.compile("".join(parts), re.DOTALL)


def leaves(value: Any, path: tuple[str, ...]) -> list[Any]:
    """Every value at ``path``, arrays flattened on the way (Config's any-element rule)."""
    if isinstance(value, list):
        return [leaf for item in value for leaf in leaves(item, path)]
    if not path:
        return [value]
    if not isinstance(value, dict) or path[0] not in value:
        return []
    return leaves(value[path[0]], path[1:])


def _prune(value: Any, paths: set[tuple[str, ...]]) -> Any:
    if () in paths:
        return value
    if isinstance(value, list):
        return [_prune(item, paths) for item in value]
    if not isinstance(value, dict):
        return None
    kept: dict[str, Any] = {}
    for key, item in value.items():
        below = {path[1:] for path in paths if path[0] == key}
        if below:
            kept[key] = _prune(item, below)
    return kept
