"""The director 导演: pacing, hook, cliffhanger, shot list."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from agents.base import Role
from agents.screenwriter import EpisodeScript


class ShotSize(StrEnum):
    EXTREME_WIDE = "extreme_wide"
    WIDE = "wide"
    MEDIUM = "medium"
    CLOSE_UP = "close_up"
    EXTREME_CLOSE_UP = "extreme_close_up"


class CameraMove(StrEnum):
    STATIC = "static"
    PUSH_IN = "push_in"
    PULL_OUT = "pull_out"
    PAN_LEFT = "pan_left"
    PAN_RIGHT = "pan_right"
    TILT_UP = "tilt_up"
    TILT_DOWN = "tilt_down"


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


class ShotList(BaseModel):
    episode: int = Field(ge=1)
    shots: list[Shot] = Field(min_length=1, max_length=60)

def _unique(wanted: str, taken: set[str]) -> str:
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted[:6]}{n}"
    taken.add(name)
    return name


def cover_script(shots: ShotList, script: EpisodeScript) -> ShotList:
    """The shot list fitted to its script: every line spoken exactly once, every scene shown, one id per shot.

    Shot lists leave lines out, cover a line twice, point at lines that do not
    exist, show a scene the script does not have, or repeat an id (a
    model's, or one left behind by an edited script); the cut needs each line
    once and one frame per id. Shots keep their order; shots of missing
    scenes are dropped. A line no shot covers joins the scene's shot that speaks the
    line before it (else the scene's first shot); a scene no shot shows gets
    a medium shot of its action.
    """
    scenes = {scene.number: scene for scene in script.scenes}
    spoken: set[tuple[int, int]] = set()
    ids: set[str] = set()
    fitted: list[Shot] = []
    for shot in shots.shots:
        if shot.scene not in scenes:  # a shot of a scene the script does not have
            continue
        count = len(scenes[shot.scene].lines)
        lines = [i for i in dict.fromkeys(shot.lines) if i < count and (shot.scene, i) not in spoken]
        spoken.update((shot.scene, i) for i in lines)
        fitted.append(shot.model_copy(update={"id": _unique(shot.id, ids), "lines": lines}))
    for scene in script.scenes:
        if not any(shot.scene == scene.number for shot in fitted):
            at = max((k + 1 for k, shot in enumerate(fitted) if shot.scene < scene.number), default=0)
            fitted.insert(at, Shot(id=_unique(f"{scene.number}A", ids), scene=scene.number, size=ShotSize.MEDIUM,
                                   characters=scene.characters[:6], location=scene.location,
                                   visual_intent=(scene.action or scene.heading)[:300]))
        own = [shot for shot in fitted if shot.scene == scene.number]
        for i in range(len(scene.lines)):
            if (scene.number, i) in spoken:
                continue
            earlier = [(max(j for j in shot.lines if j < i), k) for k, shot in enumerate(own) if any(j < i for j in shot.lines)]
            target = own[max(earlier)[1]] if earlier else own[0]
            target.lines = sorted([*target.lines, i])
            spoken.add((scene.number, i))
    return ShotList(episode=shots.episode, shots=fitted)


ROLE = Role(
    name="director",
    titles={"en": "Director", "zh": "导演"},
    owns=("shots",),
    reviews=("pitch", "outline", "script"),
    tools=("memory_search",),
)
