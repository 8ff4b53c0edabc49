"""The editor 剪辑: timeline, durations, subtitles, music, final cut, labels.

Two pieces of the editor are arithmetic, not judgment, so they are code: the
runtime estimate it checks every script against, and the cut it builds from
the shot list and the *real* durations of the synthesised lines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

from agents.base import Role
from agents.critique import Issue, Severity
from agents.director import ShotList
from agents.screenwriter import EpisodeScript
from tools.cut import FPS, Cut, CutClip, SpokenLine

TARGET_SECONDS = (60.0, 120.0)
LEAD_IN, GAP, TAIL = 0.4, 0.3, 0.6  # seconds around and between lines in a shot
SILENT_SHOT = 2.5  # an action shot with no line
MAX_HOLD = 12.0  # the longest a shot is held to reach the minimum runtime
HOLD_STEP = 0.5  # holds grow half a second at a time
SCENE_DISSOLVE = 0.5  # seconds of crossfade where a new scene starts (shots within a scene cut hard)

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def speaking_seconds(text: str) -> float:
    """How long a line takes to say: ~4 Chinese characters or ~2.5 English words a second."""
    cjk = len(_CJK.findall(text))
    words = len(_CJK.sub(" ", text).split())
    return cjk / 4.0 + words / 2.5


def estimate_runtime(script: EpisodeScript) -> float:
    """Seconds on screen: every line spoken, plus a beat of action per scene."""
    seconds = 0.0
    for scene in script.scenes:
        seconds += max(SILENT_SHOT, speaking_seconds(scene.action) * 0.5)
        seconds += sum(speaking_seconds(line.text) + GAP for line in scene.lines)
    return seconds


def check(name: str, artifact: dict, era: str, lang: str) -> list[Issue]:
    """A script whose estimated runtime misses 60–120 s is a major issue."""
    if name != "script":
        return []
    script = EpisodeScript.model_validate(artifact)
    seconds = estimate_runtime(script)
    low, high = TARGET_SECONDS
    if low <= seconds <= high:
        return []
    quote = script.scenes[-1].heading if seconds > high else script.scenes[0].heading
    if lang == "zh":
        problem = f"预计时长约 {seconds:.0f} 秒，不在 {low:.0f}–{high:.0f} 秒之内"
        fix = "删减台词或合并场次" if seconds > high else "增加台词或场次，把冲突铺满"
    else:
        problem = f"estimated runtime {seconds:.0f} s is outside {low:.0f}–{high:.0f} s"
        fix = "cut lines or merge scenes" if seconds > high else "add lines or a scene to fill the episode"
    return [Issue(severity=Severity.MAJOR, quote=quote, problem=problem, fix=fix)]


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
    clips, frame, scene = [], 0, None
    for (shot, spoken, duration), hold in zip(base, holds):
        frames = max(1, round((duration + hold) * fps))
        fade = SCENE_DISSOLVE if scene is not None and shot.scene != scene else 0.0
        clips.append(CutClip(shot.id, Path(images[shot.id]), frame / fps, frames / fps, str(shot.camera), spoken, fade))
        frame, scene = frame + frames, shot.scene
    return Cut(clips=clips, title=title, lang=lang, width=size[0], height=size[1], fps=fps)


ROLE = Role(
    name="editor",
    titles={"en": "Editor", "zh": "剪辑"},
    owns=(),
    reviews=("outline", "script", "shots"),
    tools=("memory_search",),
    check=check,
)
