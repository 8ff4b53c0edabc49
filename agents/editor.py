"""The editor 剪辑: timeline, durations, subtitles, music, final cut, labels.

The runtime estimate the editor checks every script against is arithmetic,
not judgment, so it is code. The cut itself, timed from the *real* durations
of the synthesised lines, is production's (`agents.production.cut`).
"""

from __future__ import annotations

from agents.base import Role
from agents.critique import Issue, Severity
from agents.han import HAN
from agents.screenwriter import EpisodeScript

TARGET_SECONDS = (60.0, 120.0)
GAP = 0.3  # seconds between two lines (the cut keeps the same pause, `agents.production.cut`)
SILENT_SHOT = 2.5  # an action shot with no line


def speaking_seconds(text: str) -> float:
    """How long a line takes to say: ~4 Chinese characters or ~2.5 English words a second."""
    cjk = len(HAN.findall(text))
    words = len(HAN.sub(" ", text).split())
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


ROLE = Role(
    name="editor",
    titles={"en": "Editor", "zh": "剪辑"},
    owns=(),
    reviews=("outline", "script", "shots"),
    tools=("memory_search",),
    check=check,
)
