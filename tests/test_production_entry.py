"""Production is one entry: the episode graph's produce node and `room render` call the same function."""

from __future__ import annotations

from agents import production
from waiting import waiting_at


def test_the_produce_node_and_room_render_call_the_same_production(script, make_ctx, monkeypatch):
    calls = []

    def produce_episode(studio, values, episode, inputs):
        calls.append((studio.outputs_dir, inputs["script"], inputs["shots"], episode))
        return production.Produced(
            frames={},
            audio={},
            video="ep01.mp4",
            duration=60.0,
            files={},
            synthesized=0,
            rendered_frames=0,
            encoded_segments=0,
            segments=0,
        )

    monkeypatch.setattr(production, "produce_episode", produce_episode)
    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    assert len(calls) == 1  # the graph's produce node
    assert runs.render(run_id, 1).video == "ep01.mp4"  # room render
    assert len(calls) == 2 and calls[0] == calls[1]
    saved = runs.ctx.outputs_dir / run_id / "episodes" / "ep01" / production.INPUTS_FILE
    assert saved.is_file()  # what `room render` re-renders a finished episode from
