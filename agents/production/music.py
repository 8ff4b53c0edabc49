"""The episode's music bed: the person's own music, or the built-in pad in the mood of the episode's beats.

The mood is read from the outline's beats for the episode: words of tenderness
or of triumph in them (en and zh), counted, and the peak's intensity as the
tie-break; a story with neither is tense. The bed is a file in the episode's
folder (`music.wav`, made again only when its mood or length changes), so the
video mixes it and the timeline shows it as its own track.
"""

from __future__ import annotations

import re
from pathlib import Path

from agents.production.studio import Studio
from tools.files import inside, made_from
from tools.music import MOODS, Mood, pick, write_bed

_WORDS: dict[str, tuple[str, ...]] = {
    "tender": (
        "love",
        "kiss",
        "embrace",
        "hug",
        "tender",
        "confess",
        "wedding",
        "forgive",
        "holds her",
        "holds his",
        "爱",
        "吻",
        "拥抱",
        "温柔",
        "告白",
        "婚",
        "原谅",
        "心动",
        "守护",
    ),
    "triumphant": (
        "win",
        "wins",
        "won",
        "victory",
        "triumph",
        "exposes",
        "unmasks",
        "crowned",
        "promoted",
        "succeeds",
        "takes back",
        "胜",
        "赢",
        "打脸",
        "揭穿",
        "逆袭",
        "成功",
        "夺回",
        "登顶",
        "扳倒",
    ),
}


def mood_of(beats: list[dict]) -> Mood:
    """The mood the episode's beats speak of most; tense when none does. A high last beat lifts a tie to triumph."""
    text = " ".join(str(b.get("description", "")) for b in beats).lower()
    counts = {mood: sum(_count(word, text) for word in words) for mood, words in _WORDS.items()}
    best = max(counts.values())
    if not best:
        return "tense"
    tied = [mood for mood in MOODS if counts.get(mood, 0) == best]
    if len(tied) > 1:
        return "triumphant" if beats and int(beats[-1].get("intensity", 0)) >= 8 else "tender"
    return tied[0]


def _count(word: str, text: str) -> int:
    """How often `word` is in `text`: an English word as a whole word ("win" is not in "window"), Chinese anywhere."""
    if word.isascii():
        return len(re.findall(rf"\b{re.escape(word)}\b", text))
    return text.count(word)


def episode_bed(studio: Studio, values: dict, episode: int, folder: Path, seconds: float) -> Path:
    """The music under an episode: the person's (by mood or turn), else the built-in pad, written once per mood and
    length."""
    episodes = values.get("artifacts", {}).get("outline", {}).get("episodes", [])
    beats = episodes[episode - 1].get("beats", []) if 0 < episode <= len(episodes) else []
    mood = mood_of(beats)
    if studio.music:
        return pick(Path(studio.music), mood, episode)
    bed = inside(folder, "music.wav")
    made_from(bed, f"{mood} {seconds:.3f}", lambda path: write_bed(path, seconds, mood))
    return bed
