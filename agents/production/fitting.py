"""The script and shot list as production takes them, from whatever the models wrote.

Shot lists leave lines out, cover a line twice, point at lines that do not
exist, jump back a scene or repeat an id, and scripts misspell their
characters; the cut plays shots in order, each line once, one frame per shot.
`episode_as_cast` resolves every name (`agents.speakers`) and fits the shots
to the script (`cover_script`): what the art director is shown and what
production renders.
"""

from __future__ import annotations

from agents.director import MAX_SHOTS, Shot, ShotList
from agents.screenwriter import EpisodeScript, Scene
from agents.speakers import character_names, in_cast
from agents.structured import stored_artifact
from tools.images.base import ShotSize

SHOT_ID_CHARS = 8


def shot_id(written: str, scene: int) -> str:
    """A shot's id as the room shows it (timeline, contact sheet): the letters and digits of what the
    director wrote, else the scene's number and "A". Only ever a label: frame files are numbered."""
    return "".join(c for c in written if c.isalnum())[:SHOT_ID_CHARS] or f"{scene}A"


def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted[: SHOT_ID_CHARS - len(str(n))]}{n}"
    taken.add(name)
    return name


def _within(groups: list[list[Shot]], limit: int) -> list[list[Shot]]:
    """Each scene's shots, cut to `limit` in all: every scene keeps its first, the rest are dealt in turn."""
    keep = [min(1, len(group)) for group in groups]
    spare = limit - sum(keep)
    while spare > 0 and any(k < len(g) for k, g in zip(keep, groups)):
        for i, group in enumerate(groups):
            if spare > 0 and keep[i] < len(group):
                keep[i] += 1
                spare -= 1
    return [group[:k] for group, k in zip(groups, keep)]


def cover_script(shots: ShotList, script: EpisodeScript) -> ShotList:
    """The shot list fitted to its script: scenes in order, every line spoken once and in order,
    every scene shown, one plain id per shot, and whoever speaks in a shot seen in it.

    Shot lists leave lines out, cover a line twice, point at lines that do not
    exist, jump back to an earlier scene, show a scene the script does not
    have, or repeat an id (a model's, or one left behind by an edited
    script); the cut plays shots in order, each line once, one frame per id.
    Shots are put in scene order (keeping their order within a scene); shots
    of missing scenes are dropped; a scene no shot shows gets a medium shot
    of its action; past MAX_SHOTS, scenes give up their later shots. Within a
    scene a shot speaks from the first line it claims up to the next shot's
    first line, so lines left out join the shot before them and the dialogue
    keeps the script's order.
    """
    scenes = {scene.number: scene for scene in script.scenes}
    kept = sorted((shot for shot in shots.shots if shot.scene in scenes), key=lambda shot: shot.scene)
    groups = [
        [shot for shot in kept if shot.scene == scene.number]
        or [
            Shot(
                id=f"{scene.number}A",
                scene=scene.number,
                size=ShotSize.MEDIUM,
                characters=scene.characters[:6],
                location=scene.location,
                visual_intent=(scene.action or scene.heading)[:300],
            )
        ]
        for scene in script.scenes
    ]
    ids: set[str] = set()
    fitted: list[Shot] = []
    for scene, own in zip(script.scenes, _within(groups, MAX_SHOTS)):
        own = [shot.model_copy(update={"id": _unique(shot_id(shot.id, scene.number), ids)}) for shot in own]
        fitted += _speak_in_order(own, scene)
    return ShotList(episode=shots.episode, shots=fitted)


def _speak_in_order(own: list[Shot], scene: Scene) -> list[Shot]:
    """A scene's shots with its lines shared out in order (see `cover_script`)."""
    claimed: set[int] = set()
    starts: dict[int, int] = {}  # place in `own` -> first line it claims that no earlier shot did
    for place, shot in enumerate(own):
        free = [i for i in shot.lines if i < len(scene.lines) and i not in claimed]
        claimed.update(free)
        if free:
            starts[place] = min(free)
    if not starts and scene.lines:
        starts = {0: 0}
    places = sorted(starts)  # where the speaking shots stand ...
    speaking = sorted(starts, key=starts.get)  # ... and the order they speak in
    firsts = [0, *(starts[k] for k in speaking[1:]), len(scene.lines)]
    placed = {place: (own[k], range(firsts[n], firsts[n + 1])) for n, (place, k) in enumerate(zip(places, speaking))}
    fitted = []
    for place, shot in enumerate(own):
        shot, spoken = placed.get(place, (shot, range(0)))
        seen = [*shot.characters, *(scene.lines[i].speaker for i in spoken)]
        fitted.append(shot.model_copy(update={"lines": list(spoken), "characters": list(dict.fromkeys(seen))[:6]}))
    return fitted


def episode_as_cast(bible: dict | None, script: dict, shots: dict) -> tuple[EpisodeScript, ShotList]:
    """An episode's script and shot list as production takes them, from whatever the models wrote: every
    name resolved (`in_cast`), then the shots fitted to the script (`cover_script`)."""
    script, fitted = in_cast(
        stored_artifact(EpisodeScript, script, "script"),
        stored_artifact(ShotList, shots, "shot list"),
        character_names(bible),
    )
    return script, cover_script(fitted, script)
