"""The director 导演: pacing, hook, cliffhanger, shot list."""

from __future__ import annotations

from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, Field, create_model

from agents.artifact import Artifact, Held
from agents.base import Role
from agents.screenwriter import EpisodeScript, Scene
from tools import export
from tools.images.base import CameraMove, ShotSize


class Shot(BaseModel):
    id: str = Field(description="e.g. 1A, 1B, 2A", max_length=8)
    scene: int = Field(ge=1)
    size: ShotSize
    camera: CameraMove = CameraMove.STATIC
    characters: list[str] = Field(default_factory=list, max_length=6)
    location: str = Field(max_length=60)
    lines: list[Annotated[int, Field(ge=0)]] = Field(
        default_factory=list, description="indexes of the scene's dialogue lines spoken in this shot")
    visual_intent: str = Field(max_length=300)


MAX_SHOTS = 60
SHOT_ID_CHARS = 8


class ShotList(BaseModel):
    episode: int = Field(ge=1)
    shots: list[Shot] = Field(min_length=1, max_length=MAX_SHOTS)


@cache
def shots_in(schema: type[ShotList], cast: tuple[str, ...], scenes: tuple[int, ...]) -> type[ShotList]:
    """`schema` with every shot's characters among `cast` and its scene among `scenes`, so a constrained
    decoder can name no one the bible does not have and no scene the script does not (empty: left free)."""
    fields: dict = {}
    if cast:
        fields["characters"] = (list[Literal[cast]], Field(default_factory=list, max_length=6))
    if scenes:
        fields["scene"] = (Literal[scenes], ...)
    shot = create_model("Shot", __base__=Shot, **fields)
    return create_model(schema.__name__, __base__=schema, shots=(list[shot], Field(min_length=1, max_length=MAX_SHOTS)))


def shot_id(written: str, scene: int) -> str:
    """A shot's id as the room shows it (timeline, contact sheet): the letters and digits of what the
    director wrote, else the scene's number and "A". Only ever a label: frame files are numbered."""
    return "".join(c for c in written if c.isalnum())[:SHOT_ID_CHARS] or f"{scene}A"


def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted[:SHOT_ID_CHARS - len(str(n))]}{n}"
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
    groups = [[shot for shot in kept if shot.scene == scene.number] or [
        Shot(id=f"{scene.number}A", scene=scene.number, size=ShotSize.MEDIUM, characters=scene.characters[:6],
             location=scene.location, visual_intent=(scene.action or scene.heading)[:300])]
        for scene in script.scenes]
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


def _shots_held_to_episode(artifacts: dict, small: bool, handed) -> Held:
    """For every model a shot names only the bible's characters and the script's scenes."""
    from agents.speakers import character_names  # speakers reads this module's models

    script = artifacts.get("script")
    scenes = tuple(s.number for s in EpisodeScript.model_validate(script).scenes) if script else ()
    return Held(cast=tuple(character_names(artifacts.get("bible"))), scenes=scenes)


def _shots_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    return shots_in(schema, held.cast, held.scenes) if held.cast or held.scenes else schema


# the art direction, not a person, takes a shot list: its gate is the episode's final cut
ARTIFACTS = (
    Artifact("shots", ShotList, 2000, inputs=("episode", "script", "notes", "memory"), per_episode=True,
             gated=False, episode_field="episode", shape=_shots_shape, holds=_shots_held_to_episode,
             markdown=export.shots_md),
)


ROLE = Role(
    name="director",
    titles={"en": "Director", "zh": "导演"},
    owns=tuple(a.name for a in ARTIFACTS),
    reviews=("pitch", "outline", "script"),
    tools=("memory_search",),
)
