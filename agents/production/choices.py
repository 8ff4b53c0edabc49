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

from agents.production.fitting import episode_as_cast
from agents.production.voices import line_keys

# what a shot's frame shows: a shot that keeps all of it is drawn as before
_DRAWN = ("scene", "size", "characters", "location", "visual_intent")


@dataclass(frozen=True)
class Kept:
    shots: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.shots or self.lines)


def _drawn(bible: dict | None, inputs: dict) -> dict[str, tuple]:
    _, shots = episode_as_cast(bible, inputs["script"], inputs["shots"])
    return {shot.id: tuple(getattr(shot, key) for key in _DRAWN) for shot in shots.shots}


def _said(bible: dict | None, inputs: dict) -> dict[str, tuple[str, str]]:
    script, _ = episode_as_cast(bible, inputs["script"], inputs["shots"])
    speakers = line_keys(script)
    texts = {f"{scene.number}:{i}": line.text for scene in script.scenes for i, line in enumerate(scene.lines)}
    return {key: (speaker, texts[key]) for key, speaker in speakers.items()}


def keep_choices(previous: dict, inputs: dict, bible: dict | None) -> tuple[dict, Kept]:
    """`inputs` (the episode made again) with the person's choices of its `previous` inputs that still apply: a
    redrawn shot (one with a seed of its own) drawn as before, a re-voiced line said as before."""
    if not previous or not (previous.get("seeds") or previous.get("voicing")):
        return inputs, Kept()
    before, now = _drawn(bible, previous), _drawn(bible, inputs)
    shots = [shot for shot in previous.get("seeds") or {} if shot in now and before.get(shot) == now[shot]]
    said_before, said_now = _said(bible, previous), _said(bible, inputs)
    lines = [key for key in previous.get("voicing") or {} if key in said_now and said_before.get(key) == said_now[key]]
    kept = {key: dict(inputs.get(key) or {}) for key in ("prompts", "negatives", "seeds", "voicing")}
    for shot in shots:
        for key in ("prompts", "negatives", "seeds"):
            if shot in (previous.get(key) or {}):
                kept[key][shot] = previous[key][shot]
            else:
                kept[key].pop(shot, None)
    for key in lines:
        kept["voicing"][key] = previous["voicing"][key]
    return {**inputs, **kept}, Kept(tuple(shots), tuple(lines))
