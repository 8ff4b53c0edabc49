"""How a long step tells how far it is: `report(step, done, total)` after each unit of work.

The steps production reports: "frames" (stills drawn or found unchanged),
"lines" (lines spoken or found in the cache), "segments" (video segments
encoded or found in the cache). Whoever watches (the CLI's live view, through
the graph's stream) turns the counts into bars with an ETA; a step with no
watcher reports to `silent`.
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]


def silent(step: str, done: int, total: int) -> None:
    """Nobody is watching."""
