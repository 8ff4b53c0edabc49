"""Benchmark: how fast the studio renders the pages of a 40-episode run.

Develops a series of N episodes on the scripted model (the real graphs,
memory and checkpoints; `produce=False`, so nothing is rendered): one run
waits at its outline gate, one is developed to the end. The second is given
what a produced series adds to its pages (per episode a ledger of ~12 calls,
6 frames and a video file). Then times each page with FastAPI's TestClient
(token cookie, as a browser after its first visit): median and p95 over
`--requests` requests, after one warm-up request whose time is printed apart
(the report's arc is drawn once per outline and language, then reused), with
the ratio to `Runs.view` of the same run (the reference, measured in the same
run: every page reads the run's state at least once). Also the size of
`room report`'s standalone file and the time to write it.

    python bench/studio_pages.py [--episodes 40] [--requests 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import factories as f  # noqa: E402
from agents import models  # noqa: E402
from agents.structured import Usage  # noqa: E402
from graphs import room  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.runs import Runs  # noqa: E402
from scripted import Script, scripted_factory, scripted_overrides  # noqa: E402
from studio_client import studio_client  # noqa: E402

BEATS = 6  # per episode (the outline allows 8)
PREMISE = "A disowned heiress returns as a CEO"


def reply(schema: dict) -> dict:
    """Every reviewer approves; an outline whose beats rise and fall, as a series' would."""
    answer = f.reply_for(schema)
    if schema.get("title") == "SeriesOutline":
        for episode in answer["episodes"]:
            n = episode["number"]
            episode["beats"] = [
                {"description": f"beat {i} of episode {n}", "intensity": 1 + (n + 2 * i) % 10} for i in range(BEATS)
            ]
    return answer


def produced_look(ctx, run_id: str, episodes: int) -> None:
    """What production adds to the report's page: a ledger of each episode's calls, its frames and its video."""
    from PIL import Image

    frame = Image.new("RGB", (72, 128), "#445")
    for n in range(1, episodes + 1):
        for role, stage in (
            [("screenwriter", "script"), ("director", "shots"), ("art_director", "art")]
            + [(r, "script") for r in ("cultural_consultant", "director", "editor", "art_director")] * 2
            + [("editor", "final_cut")]
        ):
            room.Ledger(ctx, run_id, role, stage, episode=n)(
                Usage(model="scripted", input_tokens=1800, output_tokens=600, seconds=4.2)
            )
        folder = ctx.outputs_dir / run_id / "episodes" / f"ep{n:02d}"
        (folder / "frames").mkdir(parents=True, exist_ok=True)
        for shot in range(1, 7):
            frame.save(folder / "frames" / f"shot_{shot:03d}.png")
        (folder / f"ep{n:02d}.mp4").write_bytes(b"")


def timed(call, requests: int) -> tuple[object, float, float, float]:
    """The first call's answer, and (first, median, p95) milliseconds of `call`."""
    started = time.perf_counter()
    answer = call()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return answer, first, statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=40)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    models.load_chat_model = scripted_factory(Script(responder=reply))
    with tempfile.TemporaryDirectory() as tmp:
        settings = {**scripted_overrides(), "episodes": args.episodes, "round_limit": 1, "produce": False}
        ctx = load_context(tmp, {**settings, "auto_approve": ("pitch", "bible")}, env={})
        runs = Runs(ctx)
        started = time.perf_counter()
        waiting, events = runs.start(PREMISE)
        list(events)
        finished, events = Runs(load_context(tmp, {**settings, "auto_approve": ("all",)}, env={})).start(PREMISE)
        list(events)
        made = time.perf_counter() - started
        produced_look(ctx, finished, args.episodes)
        client, control = studio_client(runs)
        pages = {
            "runs list /": "/",
            "run page": f"/runs/{finished}",
            "report": f"/runs/{finished}/report",
            "run page (at gate)": f"/runs/{waiting}",
            "gate page": f"/runs/{waiting}/gate",
            "report (at gate)": f"/runs/{waiting}/report",
        }
        _, _, reference, _ = timed(lambda: runs.view(finished), args.requests)
        print(
            f"{args.episodes} episodes x {BEATS} beats, 2 runs developed in {made:.0f} s; "
            f"reference Runs.view: median {reference:.1f} ms"
        )
        print(f"{'page':<20}{'status':>7}{'first ms':>10}{'median ms':>11}{'p95 ms':>9}{'x view':>8}{'KB':>8}")
        for name, url in pages.items():
            answer, first, median, p95 = timed(lambda: client.get(url), args.requests)
            if answer.status_code == 404:
                print(f"{name:<20}{404:>7}   (no such page on this branch)")
                continue
            assert answer.status_code == 200, (url, answer.status_code, answer.text[:200])
            size = len(answer.content) / 1024
            print(f"{name:<20}{200:>7}{first:>10.1f}{median:>11.1f}{p95:>9.1f}{median / reference:>8.1f}{size:>8.0f}")
        from cli.studio.report import write_report

        view = runs.view(finished)
        started = time.perf_counter()
        path = write_report(ctx, view)
        print(
            f"room report: {path.stat().st_size / 1024:.0f} KB standalone file "
            f"({args.episodes * 6} frames embedded) written in {(time.perf_counter() - started) * 1000:.0f} ms"
        )
        control.stop()
        runs.close()
        room.close_all()


if __name__ == "__main__":
    main()
