"""The cut: shots timed from the real audio of their lines.

The video renderer, the subtitle writer and the timeline exporter all read the
`Cut` built here, so they cannot disagree about timing. The pauses between
lines and the beat of a silent shot are the ones the editor's runtime
estimate counts with (`agents.editor`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

from agents.director import ShotList
from agents.editor import GAP, SILENT_SHOT, TARGET_SECONDS
from agents.screenwriter import EpisodeScript
from tools.cut import FPS, Cut, CutClip, SpokenLine

LEAD_IN, TAIL = 0.4, 0.6  # seconds before the first line of a shot and after its last
MAX_HOLD = 12.0  # the longest a shot is held to reach the minimum runtime
HOLD_STEP = 0.5  # holds grow half a second at a time
SCENE_DISSOLVE = 0.5  # seconds of crossfade where a new scene starts (shots within a scene cut hard)


def _holds(durations: list[float], silent: list[int], extra: float) -> list[float]:
    """Seconds added to each shot to reach the minimum runtime.

    Dealt HOLD_STEP at a time, round-robin, silent shots first, none past
    MAX_HOLD while another shot can take it (the minimum runtime comes first:
    an episode of few shots holds them longer). Because the deal is the same
    sequence for any total, a changed line that moves the total by a step
    moves one shot's hold, not every shot's: the re-render re-encodes that
    shot, not the episode.
    """
    holds = [0.0] * len(durations)
    steps = math.ceil(extra / HOLD_STEP - 1e-9)
    every = range(len(durations))
    for pool, longest in ((silent, MAX_HOLD), (every, MAX_HOLD), (every, math.inf)):
        while steps > 0:
            open_shots = [i for i in pool if durations[i] + holds[i] + HOLD_STEP <= longest + 1e-9]
            if not open_shots:
                break
            dealt = open_shots[:steps]
            for i in dealt:
                holds[i] += HOLD_STEP
            steps -= len(dealt)
    return holds


def build_cut(
    script: EpisodeScript,
    shots: ShotList,
    images: Mapping[str, Path],
    audio: Mapping[tuple[int, int], tuple[Path, float]],
    *,
    title: str = "",
    lang: str = "en",
    min_seconds: float = TARGET_SECONDS[0],
    fps: int = FPS,
    size: tuple[int, int] = (1080, 1920),
) -> Cut:
    """Shots timed from the real audio: each shot lasts as long as the lines spoken in it.

    `audio` maps (scene number, line index) to the line's WAV and its real
    duration. Shots without lines hold for a beat; if the whole is shorter
    than `min_seconds`, shots are held longer (see `_holds`), so the picture
    breathes instead of ending early. Every shot is a whole number of frames
    and every line starts on a frame, so a change inside one shot moves the
    shots after it by whole frames and leaves them otherwise unchanged.
    """
    lines_of = {scene.number: scene.lines for scene in script.scenes}
    base: list[tuple] = []
    for shot in shots.shots:
        spoken, at = [], LEAD_IN
        for index in shot.lines:
            if (shot.scene, index) not in audio or index >= len(lines_of.get(shot.scene, [])):
                continue
            path, seconds = audio[(shot.scene, index)]
            line = lines_of[shot.scene][index]
            spoken.append(SpokenLine(line.speaker, line.text, Path(path), round(at * fps) / fps, seconds))
            at += seconds + GAP
        duration = at - GAP + TAIL if spoken else SILENT_SHOT
        base.append((shot, tuple(spoken), duration))
    durations = [d for _, _, d in base]
    silent = [i for i, (_, spoken, _) in enumerate(base) if not spoken]
    holds = _holds(durations, silent, max(0.0, min_seconds - sum(durations)))
    lengths = [max(1, round((duration + hold) * fps)) for duration, hold in zip(durations, holds)]
    if lengths:  # rounding every shot to whole frames can end a frame short of the minimum: the last shot takes it
        lengths[-1] += max(0, math.ceil(min_seconds * fps - 1e-6) - sum(lengths))
    clips, frame, scene = [], 0, None
    for (shot, spoken, _), frames in zip(base, lengths):
        fade = SCENE_DISSOLVE if scene is not None and shot.scene != scene else 0.0
        clips.append(CutClip(shot.id, Path(images[shot.id]), frame / fps, frames / fps, str(shot.camera), spoken, fade))
        frame, scene = frame + frames, shot.scene
    return Cut(clips=clips, title=title, lang=lang, width=size[0], height=size[1], fps=fps)
