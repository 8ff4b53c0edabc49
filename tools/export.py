"""Exports a person reads or another program opens: artifacts as JSON + Markdown, the decisions log."""

from __future__ import annotations

import json
from pathlib import Path

from tools.files import atomic_write_json, atomic_write_text

_LABELS = {
    "en": {"characters": "Characters", "locations": "Locations", "world": "World", "era": "Era", "tone": "Tone",
           "visual_style": "Visual style", "episodes": "Episodes", "hook": "Hook", "cliffhanger": "Cliffhanger",
           "logline": "Logline", "genre": "Genre", "tropes": "Tropes", "target_audience": "Audience",
           "want": "Want", "need": "Need", "secret": "Secret", "speech_style": "Speech", "visual_description": "Look",
           "voice": "Voice", "age": "Age", "role": "Role"},
    "zh": {"characters": "人物", "locations": "场景", "world": "世界观", "era": "时代", "tone": "基调",
           "visual_style": "视觉风格", "episodes": "分集", "hook": "开场钩子", "cliffhanger": "结尾悬念",
           "logline": "一句话梗概", "genre": "类型", "tropes": "套路", "target_audience": "目标观众",
           "want": "想要", "need": "需要", "secret": "秘密", "speech_style": "说话方式", "visual_description": "外形",
           "voice": "声音", "age": "年龄", "role": "身份"},
}


def _pitch_md(p: dict, t: dict) -> list[str]:
    return [f"# {p['title']}", "", f"**{t['logline']}:** {p['logline']}", "", f"- {t['genre']}: {p['genre']}",
            f"- {t['tropes']}: {', '.join(p['tropes'])}", f"- {t['hook']}: {p['hook']}",
            f"- {t['target_audience']}: {p['target_audience']}"]


def _bible_md(b: dict, t: dict) -> list[str]:
    lines = [f"## {t['characters']}", ""]
    for c in b["characters"]:
        lines += [f"### {c['name']}", ""]
        lines += [f"- {t[k]}: {c[k]}" for k in ("age", "role", "want", "need", "secret", "speech_style", "visual_description", "voice")]
        lines.append("")
    lines += [f"## {t['locations']}", ""] + [f"- **{loc['name']}**: {loc['description']}" for loc in b["locations"]]
    lines += ["", f"## {t['world']}", "", f"- {t['era']}: {b['world']['era']}"] + [f"- {r}" for r in b["world"]["rules"]]
    lines += ["", f"- {t['tone']}: {b['tone']}", f"- {t['visual_style']}: {b['visual_style']}"]
    return lines


def _outline_md(o: dict, t: dict) -> list[str]:
    lines = [f"## {t['episodes']}", ""]
    for ep in o["episodes"]:
        lines += [f"### {ep['number']}. {ep['title']}", "", f"- {t['hook']}: {ep['hook']}"]
        lines += [f"- [{'▮' * beat['intensity']}{'▯' * (10 - beat['intensity'])}] {beat['description']}" for beat in ep["beats"]]
        lines += [f"- {t['cliffhanger']}: {ep['cliffhanger']}", ""]
    return lines


_MARKDOWN = {"pitch": _pitch_md, "bible": _bible_md, "outline": _outline_md}


def to_markdown(name: str, content: dict, lang: str) -> str:
    labels = _LABELS.get(lang, _LABELS["en"])
    render = _MARKDOWN.get(name)
    body = render(content, labels) if render else ["```json", json.dumps(content, ensure_ascii=False, indent=2), "```"]
    return "\n".join(body).rstrip() + "\n"


def write_artifact(folder: Path, name: str, content: dict, lang: str) -> list[Path]:
    """`<name>.json` and `<name>.md` in the run's output folder."""
    return [
        atomic_write_json(folder / f"{name}.json", content),
        atomic_write_text(folder / f"{name}.md", to_markdown(name, content, lang)),
    ]


def write_decisions(folder: Path, decisions: list[dict]) -> Path:
    """The decisions log, rewritten whole from state: a re-run never appends twice."""
    return atomic_write_text(folder / "decisions.jsonl", "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in decisions))
