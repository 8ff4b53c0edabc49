"""The editor 剪辑: timeline, durations, subtitles, music, final cut, labels.

Two pieces of the editor are arithmetic, not judgment, so they are code: the
runtime estimate it checks every script against, and the cut it builds from
the shot list and the *real* durations of the synthesised lines.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from agents.base import Role
from agents.critique import Issue, Severity
from agents.director import ShotList
from agents.screenwriter import EpisodeScript
from tools.cut import Cut, CutClip, SpokenLine

TARGET_SECONDS = (60.0, 120.0)
LEAD_IN, GAP, TAIL = 0.4, 0.3, 0.6  # seconds around and between lines in a shot
SILENT_SHOT = 2.5  # an action shot with no line
MAX_HOLD = 12.0  # the longest a shot is held to reach the minimum runtime

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


def build_cut(
    script: EpisodeScript,
    shots: ShotList,
    images: Mapping[str, Path],
    audio: Mapping[tuple[int, int], tuple[Path, float]],
    *,
    title: str = "",
    lang: str = "en",
    min_seconds: float = TARGET_SECONDS[0],
) -> Cut:
    """Shots timed from the real audio: each shot lasts as long as the lines spoken in it.

    `audio` maps (scene number, line index) to the line's WAV and its real
    duration. Shots without lines hold for a beat; if the whole is shorter
    than `min_seconds`, those holds (then all shots) are lengthened evenly,
    never past MAX_HOLD, so the picture breathes instead of ending early.
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
            spoken.append(SpokenLine(line.speaker, line.text, Path(path), at, seconds))
            at += seconds + GAP
        duration = at - GAP + TAIL if spoken else SILENT_SHOT
        base.append((shot, tuple(spoken), duration))
    total = sum(d for _, _, d in base)
    extra = max(0.0, min_seconds - total)
    silent = [i for i, (_, spoken, _) in enumerate(base) if not spoken]
    holds = [0.0] * len(base)
    for pool in (silent, range(len(base))):
        pool = [i for i in pool if base[i][2] + holds[i] < MAX_HOLD]
        while extra > 1e-6 and pool:
            share = extra / len(pool)
            for i in list(pool):
                room = MAX_HOLD - base[i][2] - holds[i]
                add = min(share, room)
                holds[i] += add
                extra -= add
                if room - add <= 1e-6:
                    pool.remove(i)
    clips, start = [], 0.0
    for (shot, spoken, duration), hold in zip(base, holds):
        end = start + duration + hold  # rounded at the edges, so the clips tile the whole without drift
        clips.append(CutClip(shot.id, Path(images[shot.id]), round(start, 3), round(round(end, 3) - round(start, 3), 3),
                             str(shot.camera), spoken))
        start = end
    return Cut(clips=clips, title=title, lang=lang)


ROLE = Role(
    name="editor",
    titles={"en": "Editor", "zh": "剪辑"},
    owns=(),
    reviews=("outline", "script", "shots"),
    tools=("memory_search",),
    check=check,
)
