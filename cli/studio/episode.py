"""An episode as the studio shows it: read from what production left in `outputs/RUN/episodes/epNN/`.

Production writes every episode's record beside its media: `episode.json`
(the script and shot list it was made from, as production fitted them, and
its files), `production.json` (each shot's prompt and seed), the `.otio`
timeline (which still shows when and for how long, and which line's audio
plays when: the same cut the MP4 was encoded from) and the `.srt`. The page
reads those, so a finished episode, whose summary is all the run's state
keeps, shows as fully as the one waiting at its final cut.

Every file is named to the page by a `/files/RUN/...` URL, checked to stay in
the run's folder; a filesystem path never reaches the page. And the re-render
of a shot redrawn, a line re-voiced or a voice recast, as the events of a studio drive
(`rendering`).
"""

from __future__ import annotations

import json
import math
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import opentimelineio as otio
import srt
from markupsafe import Markup

from agents.production import INPUTS_FILE, Produced, episode_dir
from agents.production.voices import line_key
from cli.studio.documents import document
from cli.studio.security import served_file
from tools.errors import InputError
from tools.progress import Progress
from tools.timeline import NAMESPACE, media_references

RECORD = "episode.json"  # what production wrote last of an episode: there once the episode is produced
MAX_SEED = 2**31 - 1
DOWNLOADS = ("video", "srt", "fountain", "otio", "contact_sheet")  # the episode's files a person takes away


@dataclass
class Shot:
    id: str
    scene: int
    size: str
    camera: str
    characters: list[str]
    location: str
    intent: str
    prompt: str
    seed: int | None  # the shot's own seed once redrawn; None: drawn with its characters' fixed seed
    frame: str | None  # the still's URL
    start: float | None = None  # seconds into the episode, from the timeline
    duration: float | None = None


@dataclass
class Line:
    speaker: str
    text: str
    start: float
    duration: float
    audio: str | None  # the spoken line's URL
    key: str | None = None  # "scene:index", as production names the line (from its audio's name)
    delivery: dict = field(default_factory=dict)  # its own voice, pitch or rate once re-voiced


@dataclass
class Subtitle:
    start: str
    end: str
    text: str


@dataclass
class Episode:
    run_id: str
    number: int
    title: str
    duration: float
    video: str | None
    shots: list[Shot]
    lines: list[Line]
    subtitles: list[Subtitle]
    script: Markup  # the screenplay as HTML made from escaped text
    downloads: list[tuple[str, str]] = field(default_factory=list)  # (file kind, URL)

    @property
    def shot_ids(self) -> list[str]:
        return [s.id for s in self.shots]


def episode_number(text: str) -> int | None:
    """An episode number from a URL ("3"), or None when it names no episode."""
    return int(text) if text.isdigit() and 0 < int(text) < 10_000 else None


def media_url(run_root: Path, run_id: str, path: str | Path) -> str | None:
    """The studio's URL of a file in the run's folder (versioned by its modification time, so a frame redrawn
    in place is fetched again), or None when it is not a file there."""
    try:
        relative = Path(path).resolve().relative_to(run_root.resolve()).as_posix()
    except (OSError, ValueError):
        return None
    served = served_file(run_root, relative)
    if served is None:
        return None
    return f"/files/{quote(run_id)}/{quote(relative)}?v={served.stat().st_mtime_ns}"


def _json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def timeline(path: Path) -> tuple[dict[str, tuple[Path, float, float]], list[tuple[dict, Path]]]:
    """From the episode's timeline: each shot's still, start and duration (by shot id), and each spoken line's
    metadata and audio, in order. Empty when the timeline cannot be read."""
    try:
        read = otio.adapters.read_from_file(str(path))
    except Exception:  # a missing or damaged timeline: the page shows the rest
        return {}, []
    stills, spoken = {}, []
    for clip, media in media_references(read, path.parent):
        data = dict(clip.metadata.get(NAMESPACE, {}))
        if "shot_id" in data:
            stills[str(data["shot_id"])] = (media, float(data.get("start", 0)), float(data.get("duration", 0)))
        elif "speaker" in data:
            spoken.append((data, media))
    return stills, spoken


def subtitles(path: Path) -> list[Subtitle]:
    """The episode's subtitles, timecode and text (none when the file is missing or not SRT)."""
    try:
        parsed = list(srt.parse(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, srt.SRTParseError):
        return []
    return [
        Subtitle(srt.timedelta_to_srt_timestamp(s.start), srt.timedelta_to_srt_timestamp(s.end), s.content)
        for s in parsed
    ]


def screenplay(script: dict, lang: str) -> Markup:
    """The script as the room renders it in Markdown (`agents.roles.to_markdown`), in HTML: markdown-it
    escapes every character of model text and lets no raw HTML through, so this is HTML of our making."""
    if not script.get("scenes"):
        return Markup("")
    return document("script", script, lang)


def read_episode(outputs_dir: Path, run_id: str, number: int, lang: str) -> Episode | None:
    """The produced episode `number` of the run, or None when it has not been produced."""
    run_root = Path(outputs_dir) / run_id
    folder = episode_dir(outputs_dir, run_id, number)
    record = _json(folder / RECORD)
    if not record:
        return None
    inputs = _json(folder / INPUTS_FILE)
    files = {k: v for k, v in (record.get("files") or {}).items() if isinstance(v, str)}
    stills, spoken = timeline(Path(files["otio"])) if "otio" in files else ({}, [])
    shots = []
    for raw in (record.get("shots") or {}).get("shots", []):
        shot_id = str(raw.get("id", ""))
        still, start, duration = stills.get(shot_id, (None, None, None))
        seed = (inputs.get("seeds") or {}).get(shot_id)
        shots.append(
            Shot(
                id=shot_id,
                scene=raw.get("scene", 0),
                size=str(raw.get("size", "")),
                camera=str(raw.get("camera", "")),
                characters=list(raw.get("characters", [])),
                location=str(raw.get("location", "")),
                intent=str(raw.get("visual_intent", "")),
                prompt=str((inputs.get("prompts") or {}).get(shot_id) or raw.get("visual_intent", "")),
                seed=seed if isinstance(seed, int) else None,
                frame=media_url(run_root, run_id, still) if still else None,
                start=start,
                duration=duration,
            )
        )
    lines = [
        Line(
            str(data.get("speaker", "")),
            str(data.get("subtitle", "")),
            float(data.get("start", 0)),
            float(data.get("duration", 0)),
            media_url(run_root, run_id, audio),
            key,
            dict((inputs.get("voicing") or {}).get(key) or {}),
        )
        for data, audio in spoken
        for key in [line_key(audio)]
    ]
    return Episode(
        run_id=run_id,
        number=number,
        title=str((record.get("script") or {}).get("title") or record.get("title") or ""),
        duration=float(record.get("duration") or 0),
        video=media_url(run_root, run_id, files["video"]) if "video" in files else None,
        shots=shots,
        lines=lines,
        subtitles=subtitles(Path(files["srt"])) if "srt" in files else [],
        script=screenplay(record.get("script") or {}, lang),
        downloads=[(k, url) for k in DOWNLOADS if k in files and (url := media_url(run_root, run_id, files[k]))],
    )


def seed_of(text: str) -> int | None:
    """A seed typed in a form: none (a new one is drawn), or a whole number the image backends take."""
    text = text.strip()
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_SEED:
        raise InputError(f"the seed must be a whole number from 0 to {MAX_SEED}, not {text[:20]!r}")
    return int(text)


def delivery_of(text: str, what: str) -> float | None:
    """A pitch or rate typed in a form: none (the voice's own), or a number (its range is the voice's to check)."""
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise InputError(f"the {what} must be a number, not {text[:20]!r}")
    return value


def rendering(render: Callable[[Progress], Produced], episode: int) -> Iterator[dict]:
    """A re-render as a drive's events: each production step's count as it goes ("frames" drawn, "lines"
    spoken, "segments" encoded), then what was made.

    The render starts at once and this returns when it has reported its first count: what `Runs.render` refuses
    (an unknown shot, an empty prompt, an episode not produced) it refuses before it draws anything, so the
    refusal is raised here, to the page that asked, and no drive is started for it."""
    said: queue.Queue = queue.Queue()

    def work() -> None:
        try:
            produced = render(lambda step, done, total: said.put(("progress", (step, done, total))))
            said.put(("made", produced))
        except BaseException as exc:  # handed to whoever reads the events
            said.put(("failed", exc))

    threading.Thread(target=work, name=f"render-ep{episode}", daemon=True).start()
    first = said.get()
    if first[0] == "failed":
        raise first[1]
    return _events(first, said, episode)


def _events(first: tuple, said: queue.Queue, episode: int) -> Iterator[dict]:
    kind, value = first
    while True:
        if kind == "failed":
            raise value
        if kind == "made":
            yield {
                "type": "rendered",
                "episode": episode,
                "duration": round(value.duration, 1),
                "frames": value.rendered_frames,
                "lines": value.synthesized,
                "segments": value.encoded_segments,
                "of": value.segments,
            }
            return
        step, done, total = value
        yield {"type": "progress", "step": step, "done": done, "total": total}
        kind, value = said.get()
