"""Exports a person reads or another program opens: artifacts as JSON + Markdown, the decisions log."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from tools.files import atomic_write_json, atomic_write_text, inside

_LABELS = {
    "en": {
        "characters": "Characters",
        "locations": "Locations",
        "world": "World",
        "era": "Era",
        "tone": "Tone",
        "visual_style": "Visual style",
        "episodes": "Episodes",
        "hook": "Hook",
        "cliffhanger": "Cliffhanger",
        "logline": "Logline",
        "genre": "Genre",
        "tropes": "Tropes",
        "target_audience": "Audience",
        "want": "Want",
        "need": "Need",
        "secret": "Secret",
        "speech_style": "Speech",
        "visual_description": "Look",
        "voice": "Voice",
        "age": "Age",
        "role": "Role",
    },
    "zh": {
        "characters": "人物",
        "locations": "场景",
        "world": "世界观",
        "era": "时代",
        "tone": "基调",
        "visual_style": "视觉风格",
        "episodes": "分集",
        "hook": "开场钩子",
        "cliffhanger": "结尾悬念",
        "logline": "一句话梗概",
        "genre": "类型",
        "tropes": "套路",
        "target_audience": "目标观众",
        "want": "想要",
        "need": "需要",
        "secret": "秘密",
        "speech_style": "说话方式",
        "visual_description": "外形",
        "voice": "声音",
        "age": "年龄",
        "role": "身份",
    },
}


def pitch_md(p: dict, t: dict) -> list[str]:
    return [
        f"# {p['title']}",
        "",
        f"**{t['logline']}:** {p['logline']}",
        "",
        f"- {t['genre']}: {p['genre']}",
        f"- {t['tropes']}: {', '.join(p['tropes'])}",
        f"- {t['hook']}: {p['hook']}",
        f"- {t['target_audience']}: {p['target_audience']}",
    ]


def bible_md(b: dict, t: dict) -> list[str]:
    lines = [f"## {t['characters']}", ""]
    for c in b["characters"]:
        lines += [f"### {c['name']}", ""]
        lines += [
            f"- {t[k]}: {c[k]}"
            for k in ("age", "role", "want", "need", "secret", "speech_style", "visual_description", "voice")
        ]
        lines.append("")
    lines += [f"## {t['locations']}", ""] + [f"- **{loc['name']}**: {loc['description']}" for loc in b["locations"]]
    lines += ["", f"## {t['world']}", "", f"- {t['era']}: {b['world']['era']}"] + [
        f"- {r}" for r in b["world"]["rules"]
    ]
    lines += ["", f"- {t['tone']}: {b['tone']}", f"- {t['visual_style']}: {b['visual_style']}"]
    return lines


def outline_md(o: dict, t: dict) -> list[str]:
    lines = [f"## {t['episodes']}", ""]
    for ep in o["episodes"]:
        lines += [f"### {ep['number']}. {ep['title']}", "", f"- {t['hook']}: {ep['hook']}"]
        lines += [
            f"- [{'▮' * beat['intensity']}{'▯' * (10 - beat['intensity'])}] {beat['description']}"
            for beat in ep["beats"]
        ]
        lines += [f"- {t['cliffhanger']}: {ep['cliffhanger']}", ""]
    return lines


def script_md(sc: dict, t: dict) -> list[str]:
    lines = [f"# {sc['number']}. {sc['title']}", ""]
    for scene in sc["scenes"]:
        lines += [f"### {scene['heading']}", "", scene["action"], ""]
        for line in scene["lines"]:
            aside = f" *({line['parenthetical']})*" if line.get("parenthetical") else ""
            lines.append(f"**{line['speaker']}**{aside}: {line['text']}  ")
        if scene.get("transition"):
            lines += ["", f"*{scene['transition']}*"]
        lines.append("")
    return lines


def shots_md(sl: dict, t: dict) -> list[str]:
    lines = ["| shot | scene | size | camera | characters | intent |", "|---|---|---|---|---|---|"]
    lines += [
        f"| {s['id']} | {s['scene']} | {s['size']} | {s['camera']} | {', '.join(s['characters'])} | {s['visual_intent']} |"
        for s in sl["shots"]
    ]
    return lines


def final_cut_md(fc: dict, t: dict) -> list[str]:
    return [f"**{fc['video']}** · {fc['duration']} s", ""] + [f"- {name}: {path}" for name, path in fc["files"].items()]


# an artifact's renderer is declared with it (agents); the final cut is not an artifact and has its own here
_MARKDOWN = {"final_cut": final_cut_md}


def to_markdown(name: str, content: dict, lang: str, render: Callable[[dict, dict], list[str]] | None = None) -> str:
    """`content` in Markdown: by `render`, else by `name`'s own renderer here, else as JSON."""
    labels = _LABELS.get(lang, _LABELS["en"])
    render = render or _MARKDOWN.get(name)
    body = render(content, labels) if render else ["```json", json.dumps(content, ensure_ascii=False, indent=2), "```"]
    return "\n".join(body).rstrip() + "\n"


def write_artifact(
    folder: Path, name: str, content: dict, lang: str, render: Callable[[dict, dict], list[str]] | None = None
) -> list[Path]:
    """`<name>.json` and `<name>.md` in the run's output folder."""
    return [
        atomic_write_json(inside(folder, f"{name}.json"), content),
        atomic_write_text(inside(folder, f"{name}.md"), to_markdown(name, content, lang, render)),
    ]


def write_decisions(folder: Path, decisions: list[dict]) -> Path:
    """The decisions log, rewritten whole from state: a re-run never appends twice."""
    return atomic_write_text(
        inside(folder, "decisions.jsonl"), "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in decisions)
    )


EXPORT_FORMATS = {
    "fountain": ".fountain",
    "srt": ".srt",
    "otio": ".otio",  # with the frames, audio and music it uses, referenced relative to it
    "otioz": ".otioz",  # the timeline and its media in one OpenTimelineIO bundle
    "mp4": ".mp4",
    "json": ".json",
    "md": ".md",
    "png": ".png",
}
MEDIA = {"frames", "audio", "pending"}  # folders copied only as a timeline's media (pending: drafts, never)


def copy_exports(run_folder: Path, target: Path, formats: set[str], episode: int | None = None) -> list[Path]:
    """Copy the run's files of the given formats into `target`, keeping their layout. A timeline goes with the
    media it uses, so the exported folder can be moved or opened on another machine."""
    from tools.errors import OutputError

    suffixes = {EXPORT_FORMATS[f] for f in formats}
    roots = [run_folder / "episodes" / f"ep{episode:02d}"] if episode else [run_folder]
    copied = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(run_folder)
            if not path.is_file() or MEDIA & set(relative.parts[:-1]):
                continue
            dest = target / relative
            try:
                if path.suffix == ".otio":
                    copied += _timeline(path, dest, run_folder, target, formats)
                elif path.suffix in suffixes:
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest)
                    copied.append(dest)
            except OSError as exc:
                raise OutputError(f"cannot export to {dest}: {exc.strerror}") from None
    return copied


def _timeline(path: Path, dest: Path, run_folder: Path, target: Path, formats: set[str]) -> list[Path]:
    """An episode's timeline as asked: relocatable with its media (otio), bundled (otioz), or both."""
    import opentimelineio as otio

    from tools.errors import InputError
    from tools.timeline import bundle_timeline, export_timeline

    made = []
    try:
        if "otio" in formats:
            made += [*export_timeline(path, dest, run_folder, target), dest]
        if "otioz" in formats:
            made.append(bundle_timeline(path, dest.with_suffix(".otioz"), run_folder))
    except (otio.exceptions.OTIOError, ValueError) as exc:  # ValueError: not JSON at all
        raise InputError(
            f"{path} is not a timeline OpenTimelineIO can read: {str(exc).splitlines()[0][:120]}"
        ) from None
    return made
