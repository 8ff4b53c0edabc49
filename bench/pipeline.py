"""Benchmark: an autonomous run's episodes with production in the background (pipelined) and without.

Develops one series on the configured model (the embedded Gemma 3 270M by
default) to its approved outline, then forks it twice at that point and
writes and produces every episode: once with each episode made before the next
is written (`pipeline = false`, the reference), once with it made in the
background while the next is written, with greedy decoding (temperature 0) in
both. Prints per fork: wall time, model calls and seconds, the seconds in which
a model call was running (writing) and the rest (not writing: production that
held the run, and the room's own steps), output tokens per model second,
episodes finished with a video, memory records and checkpoints; then the wall-time
ratio, and, since the two forks' writing is not quite the same (the embedded
server's replies differ between forks even at temperature 0, so a negotiation may
take another round), the not-writing ratio and the wall ratio the same writing
would give.

    python bench/pipeline.py [--episodes 4] [--lang en] [--premise "..."] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graphs import room  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.runs import Runs  # noqa: E402

PREMISE = "A night-shift nurse discovers the hospital's new owner is the twin sister she never knew"


def settings(lang: str, episodes: int, **more) -> dict:
    return {"lang": lang, "episodes": episodes, "auto_approve": ("all",), "temperature": 0, **more}


def develop(folder: str, premise: str, lang: str, episodes: int) -> tuple[str, str, float]:
    """The series to its approved outline: its run, the checkpoint production starts from, and the seconds."""
    runs = Runs(load_context(folder, settings(lang, episodes, produce=False)))
    started = time.perf_counter()
    run_id, events = runs.start(premise)
    for _ in events:
        pass
    seconds = time.perf_counter() - started
    # the newest step before `plan` decides what follows the approved outline (production, in the forks)
    start = next(row["checkpoint_id"] for row in runs.history(run_id) if row["next"] == ["plan"])
    runs.close()
    room.close_all()
    return run_id, start, seconds


def model_busy(ledger: list[dict]) -> float:
    """Seconds in which at least one model call was running (critiques run in parallel): the writing's time."""
    spans = sorted((row["ts"] - row["seconds"], row["ts"]) for row in ledger)
    busy, start, end = 0.0, None, None
    for s, e in spans:
        if end is not None and s <= end:
            end = max(end, e)
            continue
        busy += (end - start) if end is not None else 0.0
        start, end = s, e
    return busy + ((end - start) if end is not None else 0.0)


def produce(folder: str, run_id: str, start: str, lang: str, episodes: int, pipelined: bool) -> dict:
    ctx = load_context(folder, settings(lang, episodes, produce=True, pipeline=pipelined))
    runs = Runs(ctx)
    started = time.perf_counter()
    _, fork, events = runs.rewind(run_id, start)
    for _ in events:
        pass
    wall = time.perf_counter() - started
    view = runs.view(fork)
    ledger = room.read_ledger(ctx, fork)
    made = [e for e in view.values.get("production", {}).values() if e.get("approved") and Path(e["video"]).is_file()]
    result = {
        "pipelined": pipelined,
        "state": view.state,
        "wall": wall,
        "calls": len(ledger),
        "model_seconds": sum(r.get("seconds", 0) for r in ledger),
        "writing": model_busy(ledger),
        "output_tokens": sum(r["output_tokens"] for r in ledger),
        "episodes": len(made),
        "records": len(room.project_memory(ctx).list(run_id=fork)),
        "checkpoints": len(runs.history(fork)),
    }
    runs.close()
    room.close_all()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=4)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--premise", default=PREMISE)
    parser.add_argument("--keep", type=Path, help="keep the project folder here, to read what it made")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    place = contextlib.nullcontext(tempfile.mkdtemp(dir=args.keep)) if args.keep else tempfile.TemporaryDirectory()
    with place as folder:
        run_id, start, seconds = develop(folder, args.premise, args.lang, args.episodes)
        print(f"developed {args.episodes} episodes' outline in {seconds:.0f} s (run {run_id}); forks from {start[:8]}")
        print(
            f"{'fork':10} {'state':9} {'wall s':>7} {'calls':>5} {'model s':>7} {'writing s':>9} {'not writing s':>13} "
            f"{'tok/s':>5} {'videos':>6} {'records':>7} {'ckpts':>5}"
        )
        results = []
        for pipelined in (False, True):
            r = produce(folder, run_id, start, args.lang, args.episodes, pipelined)
            results.append(r)
            print(
                f"{'pipelined' if pipelined else 'in turn':10} {r['state']:9} {r['wall']:7.0f} {r['calls']:5d} "
                f"{r['model_seconds']:7.0f} {r['writing']:9.0f} {r['wall'] - r['writing']:13.0f} "
                f"{r['output_tokens'] / max(r['model_seconds'], 1e-9):5.1f} {r['episodes']:6d} {r['records']:7d} "
                f"{r['checkpoints']:5d}",
                flush=True,
            )
        alone, overlapped = results
        print(f"wall time ratio, pipelined / in turn: {overlapped['wall'] / alone['wall']:.2f}")
        # the forks' writing differs (see the docstring): the time spent not writing is what pipelining takes away
        idle = [r["wall"] - r["writing"] for r in (alone, overlapped)]
        hidden = idle[0] - idle[1]
        print(
            f"not writing, pipelined / in turn: {idle[1] / max(idle[0], 1e-9):.2f} · hidden behind the writing: "
            f"{hidden:.0f} s · wall time ratio with the same writing: {(alone['wall'] - hidden) / alone['wall']:.2f}"
        )


if __name__ == "__main__":
    main()
