"""The originality guard in the negotiation: the director's deterministic finding (`agents.originality`).

The director reviews the pitch, the outline and each script; beside the model's review it sends back a
logline, hook, beat or cliffhanger too close to a stock trope or to an earlier episode, and a script whose
scenes repeat an earlier episode's, quoting the near neighbour with its similarity. The finding forces a
revision like any issue (bounded by the round limit) and its score travels with the critique to memory and
to the gate. Off with `originality = false` in room.toml's [room] (or ROOM_ORIGINALITY=0).
"""

from __future__ import annotations

import json

from agents import originality
from graphs.room import Room
from graphs.state import CritiqueTask
from memory import Kind, Status

REVIEWER = "director"


def guard(room: Room, task: CritiqueTask) -> originality.Report | None:
    """The guard's report on the task's artifact, or None when the guard has nothing to say here (another
    reviewer, an artifact it does not guard, or turned off)."""
    if not room.ctx.originality or task["reviewer"] != REVIEWER:
        return None
    name = task["current"]
    earlier = earlier_scripts(room, task["run_id"], task.get("episode", 0)) if name == "script" else []
    return originality.check(
        name,
        task["artifacts"][name],
        premise=task.get("premise", ""),
        earlier_scripts=earlier,
        cache_dir=room.ctx.state_dir,
    )


def earlier_scripts(room: Room, run_id: str, episode: int) -> list[dict]:
    """The approved script of each episode before `episode` in this run (its latest approved version)."""
    latest: dict[int, tuple[int, str]] = {}
    for record in room.memory.list(run_id=run_id, kind=Kind.ARTIFACT, status=Status.APPROVED):
        if record.artifact.endswith(".script") and 0 < record.episode < episode:
            if record.version >= latest.get(record.episode, (0, ""))[0]:
                latest[record.episode] = (record.version, record.text)
    return [json.loads(text) for _, (_, text) in sorted(latest.items())]


def score_line(summary: dict) -> str:
    """The score as one line of the critique's memory record."""
    kind = "library" if summary["library"] else "earlier"
    return (
        f"\noriginality: {summary['where']} {summary['similarity']:.2f} similar to {kind} {summary['source']} "
        f"(limit {summary['limit']:.2f}; {summary['flagged']} of {summary['checked']} texts too close)"
    )
