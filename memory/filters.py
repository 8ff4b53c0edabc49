"""Chroma `where` filters, built in one place and also evaluated here, on a record's metadata.

Chroma answers a metadata-filtered nearest-neighbour query an order of
magnitude slower than an unfiltered one (it resolves the filter over every
record first), so the store ranks a run's nearest records unfiltered and
keeps those that match in Python; `matches` is that test, with Chroma's
semantics for the operators `where_clause` writes.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from enum import Enum
from typing import Any


def where_clause(**conditions: Any) -> dict | None:
    """Build a Chroma `where` filter from field=value pairs, skipping None.

    A collection of values becomes `$in`, a dict is taken as an operator
    (`{"$lte": 3}`); several conditions are joined with `$and`, a single one
    is not wrapped (Chroma rejects a one-element `$and`).
    """
    clauses = []
    for field, value in conditions.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            values = sorted({_plain(v) for v in value}, key=str)
            clauses.append({field: values[0]} if len(values) == 1 else {field: {"$in": values}})
        else:
            clauses.append({field: _plain(value)})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _plain(value: Any) -> Any:
    """Enums to their plain value: Chroma's filter validation wants exact str/int types."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {op: _plain(v) for op, v in value.items()}
    return value


_COMPARE = {
    "$eq": operator.eq,
    "$ne": operator.ne,
    "$lt": operator.lt,
    "$lte": operator.le,
    "$gt": operator.gt,
    "$gte": operator.ge,
    "$in": lambda value, options: value in options,
    "$nin": lambda value, options: value not in options,
}


def matches(where: Mapping[str, Any] | None, metadata: Mapping[str, Any]) -> bool:
    """Whether a record's metadata passes `where`, as Chroma would decide (no filter passes everything)."""
    if not where:
        return True
    for field, condition in where.items():
        if field == "$and":
            passed = all(matches(part, metadata) for part in condition)
        elif field == "$or":
            passed = any(matches(part, metadata) for part in condition)
        elif field not in metadata:
            passed = False
        elif isinstance(condition, Mapping):
            passed = all(_COMPARE[op](metadata[field], value) for op, value in condition.items())
        else:
            passed = metadata[field] == condition
        if not passed:
            return False
    return True
