"""The director's deterministic arc check: a flat arc, a missing hook, a missing cliffhanger, an episode again.

Judgment of drama is the models'; these three are rules a micro-drama lives
by, so they are code, run beside the director's own review (`Role.check`):

- **flat arc**: an episode whose beats' intensities span less than
  `FLAT_SPREAD` points goes nowhere;
- **missing cliffhanger**: the last beat is not the episode's peak, or the
  cliffhanger settles the story instead of opening a question;
- **an episode again**: its hook and its cliffhanger only say an earlier
  episode's again (`agents.screenwriter.restates`): a series goes on. The 270M
  model, writing ten episodes in one answer, fell into a loop and wrote one
  episode nine times over, word for word in its revision;
- **missing hook**: nothing is at stake in the hook, or in the opening of the
  script — its first action and its first line, which the cut puts in the
  first seconds (`agents.production.cut` starts a shot's first line after a
  short lead-in, and a silent opening shot holds `SILENT_SHOT`).

What counts as a question opened, a story settled or a stake is data
(`agents/arc_cues.yaml`, en and zh), matched as the era lexicon is.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from agents.critique import Issue, Severity
from agents.cultural_consultant import word_pattern
from agents.screenwriter import EpisodeOutline, EpisodeScript, SeriesOutline, restates

FLAT_SPREAD = 2  # an episode's beats must span at least this many points of intensity
HOOK_SECONDS = 3.0  # the first line of a cut is heard within this many seconds
_TRAILS = ("…", "...", "—", "–", "--")
_SPOKEN_ENDS = ("'", '"', "”", "’", "」", "』")
_ASKS = ("?", "？")
_EXCLAIMS = ("!", "！")


@cache
def _cues() -> dict:
    return yaml.safe_load((resources.files("agents") / "arc_cues.yaml").read_text(encoding="utf-8"))


def _has_cue(text: str, kind: str) -> bool:
    return any(word_pattern(word).search(text) for lang in ("en", "zh") for word in _cues()[kind][lang])


def opens_question(text: str) -> bool:
    """Whether a cliffhanger leaves something open: it asks, trails off, ends on a spoken line, or turns."""
    text = text.strip()
    if not text:
        return False
    if any(mark in text for mark in _ASKS):
        return True
    if _has_cue(text, "closes"):
        return False
    bare = text.rstrip(".。 ")
    return bare.endswith(_TRAILS) or text.endswith(_SPOKEN_ENDS) or _has_cue(text, "opens")


def at_stake(text: str) -> bool:
    """Whether something is at stake in a hook or an opening: it asks, exclaims, quotes someone, or threatens."""
    text = text.strip()
    if not text:
        return False
    quoted = any(mark in text for mark in ("'", '"', "“", "「", "：“", ": '"))
    asks = any(mark in text for mark in (*_ASKS, *_EXCLAIMS))
    return asks or quoted or _has_cue(text, "stakes")


def _issue(lang: str, quote: str, en: tuple[str, str], zh: tuple[str, str]) -> Issue:
    problem, fix = zh if lang == "zh" else en
    return Issue(severity=Severity.MAJOR, quote=quote[:300], problem=problem, fix=fix)


def outline_issues(outline: SeriesOutline, lang: str) -> list[Issue]:
    """Every episode of an outline: a story of its own (first: a review keeps five issues), a hook with a stake,
    beats that climb, a cliffhanger at the peak that opens."""
    return [*repeat_issues(outline, lang), *(issue for ep in outline.episodes for issue in episode_issues(ep, lang))]


def repeats(episodes: list[EpisodeOutline]) -> dict[int, list[int]]:
    """The episodes that say an earlier one again (hook and cliffhanger), by the number of the first that said it."""
    found: dict[int, list[int]] = {}
    for place, ep in enumerate(episodes):
        for earlier in episodes[:place]:
            if restates(ep.hook, earlier.hook) and restates(ep.cliffhanger, earlier.cliffhanger):
                found.setdefault(earlier.number, []).append(ep.number)
                break
    return found


def repeat_issues(outline: SeriesOutline, lang: str) -> list[Issue]:
    """One issue for each episode that later episodes say again."""
    by_number = {ep.number: ep for ep in outline.episodes}
    issues = []
    for first, again in repeats(outline.episodes).items():
        listed, many = ", ".join(map(str, again)), len(again) > 1
        issues.append(
            _issue(
                lang,
                by_number[first].hook,
                (
                    f"episode{'s' if many else ''} {listed} only say{'' if many else 's'} episode {first} again",
                    "give each of them what happens next: a new turn, a new obstacle, a new cliffhanger",
                ),
                (f"第{listed}集只是把第{first}集又写了一遍", "每一集都往下走：新的转折、新的阻碍、新的结尾钩子"),
            )
        )
    return issues


def episode_issues(ep: EpisodeOutline, lang: str) -> list[Issue]:
    """One episode of an outline, as `outline_issues` checks it."""
    issues: list[Issue] = []
    levels = [beat.intensity for beat in ep.beats]
    n = ep.number
    if len(levels) > 1 and max(levels) - min(levels) < FLAT_SPREAD:
        issues.append(
            _issue(
                lang,
                ep.beats[0].description,
                (
                    f"episode {n}'s arc is flat: every beat is at intensity {min(levels)}–{max(levels)}",
                    "let the beats climb: a quieter turn, then a sharper one",
                ),
                (f"第{n}集情绪平：每个节拍都在 {min(levels)}–{max(levels)} 之间", "让节拍有起伏，一步步推高"),
            )
        )
    if levels[-1] < max(levels):
        issues.append(
            _issue(
                lang,
                ep.beats[-1].description,
                (
                    f"episode {n} peaks at intensity {max(levels)} before its last beat ({levels[-1]})",
                    "end the episode on its strongest beat",
                ),
                (f"第{n}集高潮（{max(levels)}）在最后一个节拍（{levels[-1]}）之前", "把最强的节拍放在结尾"),
            )
        )
    if not opens_question(ep.cliffhanger):
        issues.append(
            _issue(
                lang,
                ep.cliffhanger or ep.title,
                (
                    f"episode {n}'s cliffhanger opens no question",
                    "end on a reveal, a threat or a question the next episode must answer",
                ),
                (f"第{n}集的结尾钩子没有留下悬念", "以反转、威胁或一个必须在下一集回答的问题收尾"),
            )
        )
    if not at_stake(ep.hook):
        issues.append(
            _issue(
                lang,
                ep.hook or ep.title,
                (
                    f"nothing is at stake in episode {n}'s hook",
                    "open on a threat, a loss, a secret or a humiliation",
                ),
                (f"第{n}集开头没有钩子，看不出利害", "开场就给出威胁、损失、秘密或羞辱"),
            )
        )
    return issues


def script_issues(script: EpisodeScript, lang: str) -> list[Issue]:
    """The first seconds of an episode put something at stake; its last line or action leaves a question open."""
    issues: list[Issue] = []
    first = script.scenes[0]
    opening = " ".join([first.action, *(line.text for line in first.lines[:1])])
    if not at_stake(opening):
        issues.append(
            _issue(
                lang,
                first.lines[0].text if first.lines else first.action or first.heading,
                (
                    "nothing is at stake in the episode's first seconds",
                    "open on the conflict: a threat, a loss or a secret in the first action or line",
                ),
                ("开场三秒看不出利害", "第一个动作或第一句台词就抛出冲突"),
            )
        )
    last = script.scenes[-1]
    ending = [last.lines[-1].text] if last.lines else []
    if not any(opens_question(text) for text in (*ending, last.action)):
        issues.append(
            _issue(
                lang,
                ending[0] if ending else last.action or last.heading,
                ("the episode ends without a cliffhanger", "end on a reveal, a threat or an unanswered question"),
                ("这一集结尾没有悬念", "以反转、威胁或没有答案的问题收尾"),
            )
        )
    return issues


def check(name: str, artifact: dict, era: str, lang: str) -> list[Issue]:
    """The director's deterministic part of a review (`Role.check`)."""
    if name == "outline":
        return outline_issues(SeriesOutline.model_validate(artifact), lang)
    if name == "script":
        return script_issues(EpisodeScript.model_validate(artifact), lang)
    return []


def hook_timing(first_line_at: float | None) -> dict:
    """What the final cut's gate says of its opening: when the first line is heard, and whether that is late."""
    if first_line_at is None:
        return {"first_line_at": None, "late_hook": True}
    return {"first_line_at": round(first_line_at, 1), "late_hook": first_line_at > HOOK_SECONDS}
