"""A run's report: the series' emotional arc, the ledger, the decisions log and each episode's frames and video.

Gathered here, with no HTTP: the studio's report page and `room report RUN` (one
self-contained HTML file, `outputs/RUN/report.html`, that opens offline) render
the same `Report` with the same template; only where the frames come from
differs (`/files/...` URLs in the studio, embedded thumbnails in the file).

Model text never enters the arc's SVG (its labels are episode numbers and the
studio's own words, drawn as paths); every piece of it is escaped by the template.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from agents.arc import HOOK_SECONDS, episode_issues, hook_timing
from agents.production.looks import CONSISTENCY_FILE
from agents.production.studio import episode_dir, episode_entry
from agents.screenwriter import EpisodeOutline
from cli.studio.security import served_file
from cli.studio.words import translate
from cli.views import spending_line
from graphs.context import Context
from graphs.room import read_ledger, summarize_ledger
from graphs.runs import RunView
from tools.errors import OutputError
from tools.files import atomic_write_text, inside

REPORT_FILE = "report.html"
FRAME = re.compile(r"shot_\d{3,}\.png")  # a storyboard frame's name there (frames/shot_001.png)
THUMB_WIDTH = 180  # px: 40 episodes of frames stay a few MB in the standalone file
ARC_GID = "arc-beats"  # the SVG group of the arc's beat markers (one <use> per beat)
HOOK_GID = "arc-hooks"
CLIFF_GID = "arc-cliffhangers"
_drawing = threading.Lock()
USAGE = ("calls", "input_tokens", "output_tokens", "seconds", "cost", "unpriced")


@dataclass(frozen=True)
class ArcPoint:
    """One beat on the series' arc: its episode, its place in it, where it is drawn and how intense it is."""

    episode: int
    beat: int  # 1-based within its episode
    x: float  # episode number, the beats spread across the episode's width
    intensity: int


@dataclass
class EpisodeReport:
    number: int
    title: str = ""
    hook: str = ""
    cliffhanger: str = ""
    beats: list[dict] = field(default_factory=list)
    frames: list[str] = field(default_factory=list)  # paths relative to outputs/RUN
    video: str = ""  # relative to outputs/RUN, "" before the episode is rendered
    duration: float = 0.0
    approved: bool = False
    flags: list[str] = field(default_factory=list)  # what the director's arc check finds in the episode
    looks: dict = field(default_factory=dict)  # the look check (agents.production.looks), {} before it ran


@dataclass
class Report:
    run_id: str
    premise: str
    title: str
    logline: str
    arc: list[ArcPoint]
    episodes: list[EpisodeReport]
    by_role: dict[str, dict[str, float]]
    by_stage: dict[str, dict[str, float]]
    totals: dict[str, float]
    decisions: list[dict]
    view: RunView
    spent: str = ""  # what the run spent, and its budget and what is left


def arc_points(outline: dict | None) -> list[ArcPoint]:
    """Every beat of the outline as a point: x is its episode, the beats spread evenly within [n-0.35, n+0.35]."""
    points = []
    for place, episode in enumerate((outline or {}).get("episodes", []), start=1):
        number = int(episode.get("number") or place)
        beats = episode.get("beats", [])
        for i, beat in enumerate(beats, start=1):
            offset = 0.0 if len(beats) == 1 else -0.35 + 0.7 * (i - 1) / (len(beats) - 1)
            points.append(ArcPoint(number, i, round(number + offset, 4), int(beat["intensity"])))
    return points


def arc_svg(points: list[ArcPoint], lang: str) -> str:
    """The arc as an inline `<svg>` element (no XML prologue): beats joined per episode, each episode's hook (its
    first beat) and cliffhanger (its last) marked. Drawn once per arc and language."""
    return _arc_svg(tuple(points), lang) if points else ""


def load_plotting() -> None:
    """Import what drawing the arc needs (it takes a while: the studio does it ahead of the first report)."""
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.figure  # noqa: F401


@lru_cache(maxsize=32)
def _arc_svg(points: tuple[ArcPoint, ...], lang: str) -> str:
    # matplotlib's fonts and settings are the process's: one drawing at a time (the studio serves pages in threads)
    with _drawing:
        return _draw_arc(points, lang)


def _draw_arc(points: tuple[ArcPoint, ...], lang: str) -> str:
    import matplotlib
    from matplotlib import font_manager
    from matplotlib.figure import Figure  # no pyplot: no global figure, no GUI backend

    t = translate(lang)
    font = {}
    if lang == "zh":
        from tools.fonts import cjk_font_path

        path = cjk_font_path()
        font_manager.fontManager.addfont(str(path))
        font = {"font.family": font_manager.FontProperties(fname=str(path)).get_name()}
    episodes = sorted({p.episode for p in points})
    firsts = [p for p in points if p.beat == 1]
    lasts = [max((p for p in points if p.episode == n), key=lambda p: p.beat) for n in episodes]
    width = min(14.0, max(6.0, 0.3 * len(episodes) + 3))
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "room-report", "font.size": 9, **font}):
        fig = Figure(figsize=(width, 3.2))
        ax = fig.subplots()
        for n in episodes:
            mine = [p for p in points if p.episode == n]
            ax.plot([p.x for p in mine], [p.intensity for p in mine], color="#7a3cff", linewidth=1.2)
        (beats,) = ax.plot([p.x for p in points], [p.intensity for p in points], "o", color="#7a3cff",
                           markersize=4, label=t("beat intensity"))  # fmt: skip
        beats.set_gid(ARC_GID)
        (hooks,) = ax.plot([p.x for p in firsts], [p.intensity for p in firsts], "^", color="#1a7f37",
                           markersize=7, fillstyle="none", label=t("hook"))  # fmt: skip
        hooks.set_gid(HOOK_GID)
        (cliffs,) = ax.plot([p.x for p in lasts], [p.intensity for p in lasts], "*", color="#c62828",
                            markersize=9, fillstyle="none", label=t("cliffhanger"))  # fmt: skip
        cliffs.set_gid(CLIFF_GID)
        ax.set_ylim(0, 10.8)
        ax.set_yticks(range(0, 11, 2))
        step = max(1, len(episodes) // 20)
        ax.set_xticks(episodes[::step])
        ax.set_xlim(min(episodes) - 0.6, max(episodes) + 0.6)
        ax.set_xlabel(t("episodes"))
        ax.set_ylabel(t("intensity"))
        ax.grid(axis="y", color="#e5e5ea", linewidth=0.6)
        ax.spines[["top", "right"]].set_visible(False)
        fig.legend(handles=[beats, hooks, cliffs], loc="upper center", fontsize=8, frameon=False, ncols=3)
        fig.tight_layout(rect=(0, 0, 1, 0.9))
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def ledger(rows: list[dict]) -> tuple[dict, dict, dict]:
    """The run's calls, tokens, model seconds and cost (its ledger `rows`) by role, by stage, and in all."""
    empty = dict.fromkeys(USAGE, 0)
    by_role = {k[0]: v for k, v in sorted(summarize_ledger(rows, by=("role",)).items())}
    by_stage = {k[0]: v for k, v in sorted(summarize_ledger(rows, by=("stage",)).items())}
    totals = next(iter(summarize_ledger(rows, by=("run_id",)).values()), empty)
    return by_role, by_stage, totals


def episode_reports(ctx: Context, run_id: str, values: dict[str, Any]) -> list[EpisodeReport]:
    """Each episode of the outline (and any produced beyond it): its beats, frames and video."""
    outline = values.get("artifacts", {}).get("outline") or {}
    listed = {int(e.get("number") or i): e for i, e in enumerate(outline.get("episodes", []), start=1)}
    produced = {int(k) for k in values.get("production", {}) if str(k).isdigit()}
    root = ctx.outputs_dir / run_id
    reports = []
    for number in sorted(set(listed) | produced):
        episode = listed.get(number, {})
        entry = episode_entry(values, number)
        video = f"{episode_folder(root, number)}/ep{number:02d}.mp4"
        made = entry.get("produced", entry)
        reports.append(
            EpisodeReport(
                number=number,
                title=episode.get("title", ""),
                hook=episode.get("hook", ""),
                cliffhanger=episode.get("cliffhanger", ""),
                beats=list(episode.get("beats", [])),
                frames=episode_frames(root, number),
                video=video if served_file(root, video) else "",
                duration=float(made.get("duration") or 0.0),
                approved=bool(entry.get("approved")),
                flags=arc_flags(episode, made, ctx.lang),
                looks=episode_looks(root, number),
            )
        )
    return reports


def arc_flags(episode: dict, made: dict, lang: str) -> list[str]:
    """The arc check's findings on an episode of the outline, and a first line heard late in its cut."""
    try:
        flags = [issue.problem for issue in episode_issues(EpisodeOutline.model_validate(episode), lang)]
    except ValidationError:  # no outline for it (an episode produced beyond the outline)
        flags = []
    if made.get("video") and hook_timing(made.get("first_line_at"))["late_hook"]:
        flags.append(translate(lang)("no line is heard in the first {} s", f"{HOOK_SECONDS:g}"))
    return flags


def episode_folder(root: Path, number: int) -> str:
    """Where production writes the episode (`agents.production.episode_dir`), relative to the run's folder `root`."""
    return episode_dir(root.parent, root.name, number).relative_to(root.resolve()).as_posix()


def episode_looks(root: Path, number: int) -> dict:
    """The episode's look check as production wrote it, {} when there is none (or it cannot be read)."""
    try:
        path = inside(root, episode_folder(root, number), CONSISTENCY_FILE)
        looks = json.loads(path.read_text(encoding="utf-8"))
    except (OutputError, OSError, ValueError):
        return {}
    return looks if isinstance(looks, dict) and isinstance(looks.get("characters"), list) else {}


def episode_frames(root: Path, number: int) -> list[str]:
    """The episode's frames, relative to the run's folder `root`, in shot order: only what the studio serves (the
    folder checked to be inside the run's once, then its plain files: a link is not followed)."""
    try:
        relative = f"{episode_folder(root, number)}/frames"
        folder = inside(root, relative)
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if FRAME.fullmatch(e.name) and e.is_file(follow_symlinks=False))
    except (OutputError, OSError):
        return []
    return [f"{relative}/{name}" for name in names]


def gather(ctx: Context, view: RunView) -> Report:
    """Everything the report shows of the run `view` is of."""
    values = view.values
    artifacts = values.get("artifacts", {})
    pitch = artifacts.get("pitch") or {}
    rows = read_ledger(ctx, view.run_id)
    by_role, by_stage, totals = ledger(rows)
    return Report(
        run_id=view.run_id,
        premise=view.premise,
        title=pitch.get("title", ""),
        logline=pitch.get("logline", ""),
        arc=arc_points(artifacts.get("outline")),
        episodes=episode_reports(ctx, view.run_id, values),
        by_role=by_role,
        by_stage=by_stage,
        totals=totals,
        decisions=list(values.get("decisions", [])),
        view=view,
        spent=spending_line(summarize_ledger(rows), ctx.budget_of(values)).plain,
    )


def thumbnail_uri(path: Path, width: int = THUMB_WIDTH) -> str:
    """A frame as a small JPEG `data:` URI, for the standalone report."""
    from PIL import Image

    with Image.open(path) as image:
        image = image.convert("RGB")
        if image.width > width:
            image = image.resize((width, max(1, round(image.height * width / image.width))), Image.LANCZOS)
        buf = io.BytesIO()
        image.save(buf, format="JPEG", quality=80, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def frame_sources(ctx: Context, report: Report, standalone: bool) -> dict[str, str]:
    """Where the page finds each frame: its `/files/...` URL in the studio, an embedded thumbnail in the file."""
    root = ctx.outputs_dir / report.run_id
    frames = [f for e in report.episodes for f in e.frames]
    if standalone:
        return {f: thumbnail_uri(root / f) for f in frames}
    return {f: f"/files/{report.run_id}/{f}" for f in frames}


def standalone_html(ctx: Context, report: Report) -> str:
    """The report page as one self-contained document: its CSS inlined, its frames embedded, no script."""
    from cli.studio.app import HERE, templates

    css = "\n".join((HERE / "static" / name).read_text(encoding="utf-8") for name in ("studio.css", "report.css"))
    values = page_values(ctx, report, standalone=True)
    return templates.env.get_template("report.html").render(t=translate(ctx.lang), lang=ctx.lang, css=css, **values)


def page_values(ctx: Context, report: Report, *, standalone: bool) -> dict[str, Any]:
    """What report.html is rendered with besides the words."""
    return {
        "report": report,
        "view": report.view,
        "arc_svg": arc_svg(report.arc, ctx.lang),
        "frames": frame_sources(ctx, report, standalone),
        "standalone": standalone,
    }


def write_report(ctx: Context, view: RunView) -> Path:
    """`room report RUN`: the report as one self-contained file, outputs/RUN/report.html (written atomically)."""
    html = standalone_html(ctx, gather(ctx, view))
    return atomic_write_text(ctx.outputs_dir / view.run_id / REPORT_FILE, html)
