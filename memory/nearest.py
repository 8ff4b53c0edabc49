"""The records nearest a query that pass a filter, without Chroma's filtered query wherever a ranking will do.

Chroma answers a metadata-filtered nearest-neighbour query about ten times
slower than an unfiltered one (it resolves the filter over every record
first), and in an unfiltered query most of the time goes to reading the
records' metadata. So each collection ranks its nearest ids unfiltered,
distances only; the rankings are merged, and each ask reads records in that
order only as far as it needs, filtering them in Python (`filters.matches`).
A collection whose ranking was cut off before a match it may hold is asked
the filtered query. Either way the answer is the filtered query's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import chromadb

from memory.filters import matches, where_clause
from memory.project import parts_for

Row = tuple[str, dict, float]  # document, metadata, distance
# each collection ranks this many times the most records an ask wants: a little more than needed, so that the
# records a filter leaves out seldom send a collection to the filtered query
OVERFETCH = 1.25
MIN_FETCH = 16
_FULL = ["documents", "metadatas", "distances"]


@dataclass(frozen=True)
class Ask:
    """One filtered question: the `k` records nearest the query that pass `where`, in the collections of `parts`."""

    where: dict | None
    k: int
    parts: frozenset[str]

    @classmethod
    def of(cls, k: int, kinds: Iterable[str] | None = None, **conditions) -> "Ask":
        return cls(where_clause(kind=kinds, **conditions), k, parts_for(kinds))


class _Ranking(NamedTuple):
    collection: chromadb.Collection
    part: str
    nearest: list[tuple[float, str]]  # (distance, id), nearest first
    cut: bool  # the collection holds more records than were ranked


def nearest(vector: list[float], shelves: list[tuple[chromadb.Collection, str]], asks: list[Ask]) -> list[list[Row]]:
    """For each ask, its k nearest passing rows, nearest first, from these (collection, part) shelves."""
    fetch = max(MIN_FETCH, int(OVERFETCH * max(ask.k for ask in asks)))
    wanted = frozenset().union(*(ask.parts for ask in asks))
    rankings = []
    for collection, part in shelves:
        if part in wanted:
            found = collection.query(query_embeddings=[vector], n_results=fetch, include=["distances"])
            ranked = list(zip(found["distances"][0], found["ids"][0]))
            rankings.append(_Ranking(collection, part, ranked, len(ranked) == fetch))
    merged = sorted((distance, id_, i) for i, r in enumerate(rankings) for distance, id_ in r.nearest)
    read: dict[str, Row] = {}
    while todo := {entry for ask in asks for entry in _unread(ask, merged, read, rankings)}:
        read.update(_read(todo, rankings))
    rows = [(i, read[id_]) for _, id_, i in merged if id_ in read]  # nearest first
    return [_best(vector, ask, rows, rankings) for ask in asks]


def _unread(ask: Ask, merged: list, read: dict[str, Row], rankings: list[_Ranking]) -> list[tuple[str, int]]:
    """The ranked entries the ask must still read to have its k nearest passing rows: none when it has them,
    or when there are no more. An unread entry counts as a pass, and a quarter more are read for those that
    will not pass, so one read is usually enough."""
    found, todo = 0, []
    for _, id_, i in merged:
        if found >= ask.k + len(todo) // 4:
            break
        if rankings[i].part in ask.parts:
            if id_ in read:
                found += matches(ask.where, read[id_][1])
            else:
                todo.append((id_, i))
                found += 1
    return todo


def _read(todo: set[tuple[str, int]], rankings: list[_Ranking]) -> dict[str, Row]:
    """The records of these (id, ranking) entries, with their distances (one `get` per collection)."""
    found: dict[str, Row] = {}
    for i, ranking in enumerate(rankings):
        ids = [id_ for id_, j in todo if j == i]
        if ids:
            distances = dict((id_, distance) for distance, id_ in ranking.nearest)
            got = ranking.collection.get(ids=ids, include=["documents", "metadatas"])
            for id_, document, metadata in zip(got["ids"], got["documents"], got["metadatas"]):
                found[id_] = (document, metadata, distances[id_])
    return found


def _passing(ask: Ask, rows: list[tuple[int, Row]], rankings: list[_Ranking]) -> list[tuple[int, Row]]:
    return [(i, row) for i, row in rows if rankings[i].part in ask.parts and matches(ask.where, row[1])]


def _best(vector: list[float], ask: Ask, rows: list[tuple[int, Row]], rankings: list[_Ranking]) -> list[Row]:
    """The ask's k nearest passing rows among those read, unless a cut-off ranking may hide nearer ones.

    Rows not read lie farther than every row read; rows past a ranking's cut, farther than its last. So only
    a cut-off ranking that ends nearer than the k-th row kept can hide a nearer match: that collection alone is
    asked the filtered query, and its answer replaces its rows.
    """
    best = _passing(ask, rows, rankings)[: ask.k]
    bound = best[-1][1][2] if len(best) == ask.k else float("inf")
    asked: dict[int, list[Row]] = {}
    for i, ranking in enumerate(rankings):
        if ranking.part in ask.parts and ranking.cut and ranking.nearest[-1][0] < bound:
            found = ranking.collection.query(query_embeddings=[vector], n_results=ask.k, where=ask.where, include=_FULL)
            asked[i] = list(zip(found["documents"][0], found["metadatas"][0], found["distances"][0]))
    if asked:
        kept = [(i, row) for i, row in best if i not in asked] + [(i, row) for i, rows in asked.items() for row in rows]
        best = sorted(kept, key=lambda entry: entry[1][2])[: ask.k]
    return [row for _, row in best]
