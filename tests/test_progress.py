"""Long production steps say how far they are: counts per step through the run's stream, bars in the CLI."""

from __future__ import annotations

import factories as f
from cli import views
from graphs.runs import Runs


def test_a_run_streams_each_production_steps_count_to_its_total(script, make_ctx):
    for role, replies in f.series(1).items():
        script.enqueue(role, *replies)
    runs = Runs(
        make_ctx(produce=True, auto_approve=("all",), episodes=1, round_limit=1, render="tiny", speech="espeak")
    )
    _, events = runs.start("A disowned heiress returns as a CEO")
    counts: dict[str, list[tuple[int, int]]] = {}
    for event in events:
        if event.get("type") == "progress":
            counts.setdefault(event["step"], []).append((event["done"], event["total"]))
    assert set(counts) == {"frames", "lines", "segments"}
    for step, seen in counts.items():
        total = seen[-1][1]
        assert [done for done, _ in seen] == list(range(1, total + 1)) and {t for _, t in seen} == {total}, step
    assert counts["frames"][-1][1] == len(f.shots()["shots"])


def test_the_live_view_shows_a_bar_per_step_until_it_is_done():
    with views.progress(quiet=True) as live:
        live.line({"type": "progress", "step": "frames", "done": 2, "total": 5}, "en")
        live.advance("segments", 1, 9)
        shown = {t.description: (t.completed, t.total) for t in live._bars.tasks}
        assert shown["frames drawn"] == (2, 5) and shown["video segments encoded"] == (1, 9)
        live.advance("frames", 5, 5)
        assert "frames drawn" not in {t.description for t in live._bars.tasks}
        live.status.update("[bold]the screenwriter[/] writes")  # model text stays text
        assert any(t.description == r"\[bold]the screenwriter\[/] writes" for t in live._bars.tasks)
