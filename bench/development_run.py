"""Benchmark: a whole development run (pitch, bible, outline) on the embedded model.

Prints wall time, model calls and tokens per stage, the room's generation
speed, and, measured in the same run on the same server, a reference: one
plain unconstrained completion. The ratio says what structure, few-shot
prompts and negotiation cost against raw decoding.

    python bench/development_run.py [--lang en|zh] [--episodes 2] [--round-limit 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from langchain_core.messages import HumanMessage  # noqa: E402

from agents import models  # noqa: E402
from graphs import room  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.runs import Runs  # noqa: E402

PREMISES = {
    "en": "A disowned heiress returns three years later as the CEO of the group that owns her family",
    "zh": "被赶出家门的千金三年后以集团总裁身份归来",
}


def reference_speed(spec: str) -> tuple[int, float]:
    """One plain completion on the same server: tokens and seconds."""
    model = models.load_chat_model(spec, temperature=0.7)
    started = time.perf_counter()
    reply = model.chat.bind(max_tokens=200).invoke([HumanMessage("Write a short story about a heiress who returns.")])
    return reply.usage_metadata["output_tokens"], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="en", choices=("en", "zh"))
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--round-limit", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        ctx = load_context(
            folder,
            {
                "lang": args.lang,
                "episodes": args.episodes,
                "round_limit": args.round_limit,
                "auto_approve": ("all",),
                "produce": False,
            },
        )
        runs = Runs(ctx)
        ref_tokens, ref_seconds = reference_speed(ctx.model)  # also starts the server before the clock runs
        started = time.perf_counter()
        run_id, events = runs.start(PREMISES[args.lang])
        stage_start: dict[str, float] = {}
        stage_end: dict[str, float] = {}
        rounds: dict[str, int] = {}
        for event in events:
            now = time.perf_counter() - started
            artifact = event.get("artifact")
            if artifact:
                stage_start.setdefault(artifact, now)
                stage_end[artifact] = now
            if event.get("type") == "outcome":
                rounds[artifact] = event["rounds"]
        wall = time.perf_counter() - started
        ledger = room.read_ledger(ctx, run_id)
        state = runs.view(run_id).state
        room.close_all()

    per_stage = {key[0]: totals for key, totals in room.summarize_ledger(ledger, by=("stage",)).items()}

    print(
        f"development run on {ctx.model} · lang {args.lang} · {args.episodes} episodes · round limit {args.round_limit} · {state}"
    )
    print(f"{'stage':<8} {'wall s':>7} {'rounds':>6} {'calls':>5} {'in tok':>7} {'out tok':>7}")
    for stage in ("pitch", "bible", "outline"):
        s = per_stage.get(stage, {})
        span = stage_end.get(stage, 0) - stage_start.get(stage, 0)
        print(
            f"{stage:<8} {span:>7.1f} {rounds.get(stage, 0):>6} {int(s.get('calls', 0)):>5} "
            f"{int(s.get('input_tokens', 0)):>7} {int(s.get('output_tokens', 0)):>7}"
        )
    calls = sum(int(s["calls"]) for s in per_stage.values())
    out_tokens = sum(s["output_tokens"] for s in per_stage.values())
    in_tokens = sum(s["input_tokens"] for s in per_stage.values())
    room_speed = out_tokens / wall if wall else 0.0
    ref_speed = ref_tokens / ref_seconds if ref_seconds else 0.0
    print(f"total    {wall:>7.1f}        {calls:>5} {int(in_tokens):>7} {int(out_tokens):>7}")
    print(
        f"room output speed      {room_speed:6.1f} tok/s (output tokens / wall time, prompts and parallel reviews included)"
    )
    print(f"reference, same server {ref_speed:6.1f} tok/s (one plain completion, {ref_tokens} tokens)")
    print(f"ratio room / reference {room_speed / ref_speed if ref_speed else 0:6.2f}")


if __name__ == "__main__":
    main()
