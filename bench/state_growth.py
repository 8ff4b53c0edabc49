"""Benchmark: what a long autonomous series costs to keep — decisions and checkpoint bytes per episode.

Runs N episodes on the scripted model with every gate automatic (the real
graphs, memory, checkpoints and media tools, draft render size), then prints
per episode the decisions logged so far and the largest checkpoint while it
was in the works, with its ratio to episode 2's (the reference, measured in
the same run).

    python bench/state_growth.py [--episodes 10]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import factories as f  # noqa: E402
from agents import models  # noqa: E402
from graphs import room  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.runs import Runs  # noqa: E402
from scripted import Script, scripted_factory, scripted_overrides  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=10)
    args = parser.parse_args()
    models.load_chat_model = scripted_factory(Script(f.series(args.episodes)))
    with tempfile.TemporaryDirectory() as tmp:
        ctx = load_context(
            tmp,
            {
                **scripted_overrides(),
                "auto_approve": ("all",),
                "episodes": args.episodes,
                "round_limit": 1,
                "render": "draft",
                "speech": "espeak",
            },
            env={},
        )
        runs = Runs(ctx)
        started = time.perf_counter()
        run_id, events = runs.start("A disowned heiress returns as a CEO")
        list(events)
        seconds = time.perf_counter() - started
        decisions = [
            json.loads(line) for line in (ctx.outputs_dir / run_id / "decisions.jsonl").read_text().splitlines()
        ]
        sizes = runs.checkpoint_bytes(run_id)
        database = (ctx.state_dir / "checkpoints.sqlite").stat().st_size
        records = room.project_memory(ctx).count(run_id)
        runs.close()
        room.close_all()
    reference = sizes.get(2) or sizes[max(sizes)]
    print(
        f"{args.episodes} episodes in {seconds:.0f} s · {len(decisions)} decisions "
        f"(expected {3 + 2 * args.episodes}) · {records} memory records · checkpoint database {database / 1e6:.1f} MB"
    )
    print(f"{'episode':>8}{'decisions':>11}{'checkpoint bytes':>18}{'ratio to ep 2':>15}")
    for episode, size in sizes.items():
        logged = sum(1 for d in decisions if d["episode"] <= episode) if episode else 3
        print(f"{episode:>8}{logged:>11}{size:>18}{size / reference:>15.2f}")


if __name__ == "__main__":
    main()
