"""A person's choices for one episode, kept when the episode is made again.

`room redraw` gives a shot a prompt or a seed of its own and `room revoice`
gives a line its own delivery; both live in the episode's saved inputs. A
final cut sent back makes the episode again from a revised script and shot
list, and what the person chose must not go with the old inputs: a shot drawn
as before (same scene, size, people, place and intent) keeps its prompt, its
negative prompt and its seed, so its frame is the one they chose; a line said
as before (same speaker, same words) keeps its delivery. A shot or line that
changed is the new one's: the choice was for something no longer there.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.production import SHOT_INPUTS
from agents.production.fitting import episode_as_cast
from agents.production.voices import spoken_lines

# what a shot's frame shows: a shot that keeps all of it is drawn as before
_DRAWN = ("scene", "size", "characters", "location", "visual_intent")


@dataclass(frozen=True)
class Kept:
    shots: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.shots or self.lines)


def _made(bible: dict | None, inputs: dict) -> tuple[dict[str, tuple], dict[str, tuple[str, str]]]:
    """What each shot of these inputs shows (`_DRAWN`, by shot id) and who says what on each line (by key)."""
    script, shots = episode_as_cast(bible, inputs["script"], inputs["shots"])
    drawn = {shot.id: tuple(getattr(shot, key) for key in _DRAWN) for shot in shots.shots}
    said = {key: (line.speaker, line.text) for key, line in spoken_lines(script).items()}
    return drawn, said


def _same(chosen: dict, before: dict, now: dict) -> list[str]:
    """The chosen keys whose shot or line is made as before."""
    return [key for key in chosen if key in now and before.get(key) == now[key]]


def keep_choices(previous: dict, inputs: dict, bible: dict | None) -> tuple[dict, Kept]:
    """`inputs` (the episode made again) with the person's choices of its `previous` inputs that still apply: a
    redrawn shot (one with a seed of its own) drawn as before, a re-voiced line said as before."""
    if not previous or not (previous.get("seeds") or previous.get("voicing")):
        return inputs, Kept()
    (drawn_before, said_before), (drawn_now, said_now) = _made(bible, previous), _made(bible, inputs)
    shots = _same(previous.get("seeds") or {}, drawn_before, drawn_now)
    lines = _same(previous.get("voicing") or {}, said_before, said_now)
    kept = {key: dict(inputs.get(key) or {}) for key in (*SHOT_INPUTS, "voicing")}
    for shot in shots:
        for key in SHOT_INPUTS:
            if shot in (previous.get(key) or {}):
                kept[key][shot] = previous[key][shot]
            else:
                kept[key].pop(shot, None)
    for key in lines:
        kept["voicing"][key] = previous["voicing"][key]
    return {**inputs, **kept}, Kept(tuple(shots), tuple(lines))
