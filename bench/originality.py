"""Benchmark: the originality guard's precision and recall on the planted set, per split, and what it costs.

The planted set (`bench/data/originality_planted.yaml`) holds texts the screenwriter might write: near-copies of
library entries (paraphrased, translated, names swapped), near-copies of an earlier episode's beat, premises
that are tropes executed their own way, and genuinely new ideas, zh and en, in a dev half and a held-out half.
Each item is checked as the guard checks an outline's beat: against the library (with the item's premise) and
against the earlier episode's beats it lists. A flag is a positive.

`--tune` searches the three limits on the dev half (best F1; of equally good values, the middle one) and prints
what it found: the module's constants were set from it, and the held-out half is only ever measured.

    python bench/originality.py [--tune]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]

from agents import originality  # noqa: E402
from agents.originality import Unit  # noqa: E402

PLANTED = ROOT / "bench" / "data" / "originality_planted.yaml"


def planted() -> list[dict]:
    return yaml.safe_load(PLANTED.read_text(encoding="utf-8"))


def earlier_units(item: dict) -> list[Unit]:
    return [Unit(f"earlier {i}", text, 0, "beat") for i, text in enumerate(item.get("earlier", []))]


def judge(item: dict) -> originality.Report:
    """The guard's report on one planted text, as a beat of episode 1 after the earlier episode's beats."""
    unit = Unit("text", item["text"], 1, "beat")
    return originality.compare([unit], premise=item.get("premise", ""), earlier=earlier_units(item))


def expected_source(item: dict) -> str:
    neighbour = item.get("neighbour")
    return f"earlier {neighbour}" if isinstance(neighbour, int) else str(neighbour)


def scores(flags: list[bool], truth: list[bool]) -> tuple[float, float, dict]:
    tp = sum(f and t for f, t in zip(flags, truth))
    fp = sum(f and not t for f, t in zip(flags, truth))
    fn = sum(t and not f for f, t in zip(flags, truth))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, {"tp": tp, "fp": fp, "fn": fn, "tn": len(flags) - tp - fp - fn}


def measure(items: list[dict]) -> dict[str, dict]:
    """Per split: precision, recall, the counts, how many flags quote the planted neighbour, and the misses."""
    out: dict[str, dict] = {}
    for split in ("dev", "held"):
        chosen = [i for i in items if i["split"] == split]
        reports = [judge(i) for i in chosen]
        flags = [bool(r.flagged) for r in reports]
        precision, recall, counts = scores(flags, [i["flag"] for i in chosen])
        quoted = sum(bool(r.flagged) and r.flagged[0].source == expected_source(i) for i, r in zip(chosen, reports))
        wrong = [i["id"] for i, f in zip(chosen, flags) if f != i["flag"]]
        out[split] = {"precision": precision, "recall": recall, **counts, "quoted": quoted, "wrong": wrong}
    return out


# ── tuning (dev half only) ───────────────────────────────────────────────


def _middle(values: list[float]) -> float:
    return statistics.median_low(sorted(values))


def tune(items: list[dict]) -> dict[str, float]:
    """The limits with the best F1 on the dev half; of equally good ones, the middle values."""
    dev = [i for i in items if i["split"] == "dev"]
    library = originality.library_vectors()
    rows = [originality.embed([i["text"]])[0] @ library.T for i in dev]
    premises = [originality.embed([i["premise"]])[0] @ library.T if i.get("premise") else None for i in dev]
    repeats = [
        max((originality.embed([i["text"]]) @ originality.embed(i["earlier"]).T)[0]) if i.get("earlier") else 0.0
        for i in dev
    ]
    truth = [i["flag"] for i in dev]

    def f1(excess: float, margin: float, series: float) -> float:
        flags = [
            bool(np.any(row >= originality.library_limits(row, premise, excess, margin))) or repeat >= series
            for row, premise, repeat in zip(rows, premises, repeats)
        ]
        precision, recall, _ = scores(flags, truth)
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    excesses = np.round(np.arange(0.01, 0.1001, 0.002), 3)
    margins = np.round(np.arange(0.0, 0.0601, 0.002), 3)
    series_limits = np.round(np.arange(0.90, 0.9901, 0.005), 3)
    series = _middle([s for s in series_limits if f1(1.0, 1.0, s) == max(f1(1.0, 1.0, t) for t in series_limits)])
    grid = {(e, m): f1(e, m, series) for e in excesses for m in margins}
    best = max(grid.values())
    excess = _middle([e for (e, m), v in grid.items() if v == best])
    margin = _middle([m for (e, m), v in grid.items() if v == best and e == excess])
    return {"excess": float(excess), "margin": float(margin), "series": float(series), "dev_f1": round(float(best), 3)}


def costs() -> dict[str, float]:
    """Seconds to embed the library in a fresh process's way (no vectors kept), to read it back from the
    project's `.room/`, and to check one outline of 3 episodes (18 texts) once the library is in."""
    originality._LIBRARY.clear()
    originality._VECTORS.clear()
    started = time.perf_counter()
    originality.library_vectors()
    embedded = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        originality.library_vectors(Path(folder))  # writes the file
        originality._LIBRARY.clear()
        started = time.perf_counter()
        originality.library_vectors(Path(folder))
        read = time.perf_counter() - started
    outline = {
        "episodes": [
            {
                "number": n,
                "hook": f"Episode {n}: Mei finds note number {n} in the tea tin",
                "beats": [{"description": f"beat {b} of episode {n}: Mei follows clue {b}"} for b in range(1, 5)],
                "cliffhanger": f"the stranger from episode {n} is at the door",
            }
            for n in (1, 2, 3)
        ]
    }
    started = time.perf_counter()
    originality.check("outline", outline, premise="A tea-house keeper in Suzhou")
    checked = time.perf_counter() - started
    return {"library_embed_s": embedded, "library_read_s": read, "outline_check_s": checked}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="search the limits on the dev half")
    args = parser.parse_args()
    items = planted()
    for name, value in costs().items():
        print(f"{name}: {value:.2f}")
    if args.tune:
        print("tuned on dev:", tune(items))
    print(
        f"limits: library excess {originality.LIBRARY_EXCESS}, premise margin {originality.PREMISE_MARGIN}, "
        f"series {originality.SERIES_SIMILARITY}"
    )
    for split, m in measure(items).items():
        print(
            f"{split}: precision {m['precision']:.2f} recall {m['recall']:.2f} "
            f"(tp {m['tp']} fp {m['fp']} fn {m['fn']} tn {m['tn']}; flags quoting the planted neighbour {m['quoted']}) "
            f"wrong: {', '.join(m['wrong']) or 'none'}"
        )


if __name__ == "__main__":
    main()
