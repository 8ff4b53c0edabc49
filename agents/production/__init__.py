"""Production: an episode's approved script and shot list made into frames, voices, a cut, exports and a video.

One pipeline, called by the episode graph's `cast` and `produce` nodes and by
`room render` (`render_episode`, after a change): every step skips work whose
inputs did not change (frames whose request is unchanged, lines whose audio is
cached, video segments already encoded), so a re-render after one changed line
re-synthesises that line only. Nothing here calls a model: the model-calling
steps (script, shots, art direction) are the graph's.

    fitting  the script and shot list as production takes them (names resolved, shots fitted)
    frames   visual sheets and one labelled still per shot
    references  each character's reference image (`room look`, else its first approved frame)
    looks    the look check: does each character look the same in every frame (consistency.json)
    voices   the cast, and every line spoken
    cut      the edit, timed from the real audio
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.art_director import ShotPrompt, StyleGuide
from agents.production import casting
from agents.production.casting import edited_cast
from agents.production.cut import build_cut
from agents.production.fitting import episode_as_cast
from agents.production.frames import frame_requests, render_frames
from agents.production.looks import write_look_check
from agents.production.music import episode_bed
from agents.production.references import character_references
from agents.production.studio import Studio, episode_dir, episode_entry, episode_key
from agents.production.voices import cast_episode, line_keys, line_voice, synthesize_lines
from agents.screenwriter import EpisodeScript
from agents.structured import stored_artifact
from tools.cut import RENDER_SIZES
from tools.errors import InputError
from tools.files import atomic_write_json, atomic_write_text, inside
from tools.labels import aigc_label, sha256_of

__all__ = [
    "INPUTS_FILE",
    "Produced",
    "Redraw",
    "Revoice",
    "Studio",
    "cast_episode",
    "casting",
    "edited_cast",
    "episode_dir",
    "episode_entry",
    "episode_inputs",
    "episode_key",
    "load_inputs",
    "inputs_saved",
    "produce_episode",
    "redrawn",
    "revoiced",
    "render_episode",
    "save_inputs",
]

INPUTS_FILE = "production.json"  # what `room render` re-renders a produced episode from
# what an episode is made from: its script and shot list, per shot (by id) the art director's prompt and
# negative prompt (a person's prompt once redrawn) and a seed of its own once redrawn, and per line (by
# "scene:index") a delivery of its own once re-voiced (backend, voice, pitch or rate over its speaker's voice)
INPUTS = ("script", "shots", "prompts", "negatives", "seeds", "voicing")
SHOT_INPUTS = ("prompts", "negatives", "seeds")
LINE_INPUTS = ("voicing",)
# a person's prompt (`room redraw`) is held to the art director's length
MAX_PROMPT_CHARS = ShotPrompt.model_json_schema()["properties"]["prompt"]["maxLength"]


@dataclass
class Produced:
    """What one production pass made, for state and the report."""

    frames: dict[str, str]
    audio: dict[str, list]  # "scene:index" -> [wav path, seconds]
    video: str
    duration: float
    files: dict[str, str]
    synthesized: int  # lines synthesised this pass (0 when every line came from the cache)
    rendered_frames: int
    encoded_segments: int  # video segments encoded this pass (the rest were reused)
    segments: int
    first_line_at: float | None = None  # seconds into the cut when the first line is heard (None: nobody speaks)

    def as_state(self) -> dict[str, Any]:
        return self.__dict__.copy()


def episode_inputs(values: dict, episode: int) -> dict:
    """What the episode in the works is made from: its approved script and shot list, which the run keeps once, as
    its artifacts, and what the art director gave each shot, in its production entry."""
    artifacts, entry = values.get("artifacts", {}), episode_entry(values, episode)
    return {
        "script": artifacts.get("script") or {},
        "shots": artifacts.get("shots") or {},
        **{key: entry.get(key, {}) for key in (*SHOT_INPUTS, *LINE_INPUTS)},
    }


def produce_episode(studio: Studio, values: dict, episode: int, inputs: dict) -> Produced:
    """Frames, voices, cut, exports and the labelled MP4 of one episode, from its `inputs` (`INPUTS`) and the run's
    series (bible, art, voices)."""
    from tools import contact_sheet, fountain, subtitles, timeline, video
    from tools.fonts import cjk_font_path

    run_id, lang = values["run_id"], values["lang"]
    folder = episode_dir(studio.outputs_dir, run_id, episode)
    script, shots = episode_as_cast(values.get("artifacts", {}).get("bible"), inputs["script"], inputs["shots"])
    art = values.get("art", {})
    style = stored_artifact(StyleGuide, art["style"], "style guide").model_dump() if art.get("style") else {}
    looks = character_references(studio, values, episode)
    requests = frame_requests(studio, shots, inputs, art.get("sheets", {}), style, lang, looks)
    frames, drawn = render_frames(studio, folder, requests)
    checked = write_look_check(
        folder,
        requests,
        [Path(frames[r.shot_id]) for r in requests],
        studio.images.provider == "storyboard",
        studio.images.label,
    )
    audio, synthesized = synthesize_lines(
        studio, folder, script, values.get("voices", {}), lang, inputs.get("voicing") or {}
    )
    title = values.get("artifacts", {}).get("pitch", {}).get("title", run_id)
    width, height, fps = RENDER_SIZES[studio.render]
    cut = build_cut(
        script,
        shots,
        {k: Path(v) for k, v in frames.items()},
        {tuple(map(int, k.split(":"))): (Path(p), d) for k, (p, d) in audio.items()},
        title=title,
        lang=lang,
        fps=fps,
        size=(width, height),
    )
    cut.subtitles = studio.subtitles
    cut.music = episode_bed(studio, values, episode, folder, cut.duration)
    name = f"ep{episode:02d}"
    script_data = script.model_dump(mode="json")
    files = {
        "script_json": str(atomic_write_json(inside(folder, "script.json"), script_data)),
        "fountain": str(
            atomic_write_text(
                inside(folder, "script.fountain"), fountain.to_fountain(script_data, series_title=title, lang=lang)
            )
        ),
        "shots": str(atomic_write_json(inside(folder, "shots.json"), shots.model_dump(mode="json"))),
        "srt": str(subtitles.write_srt(cut, inside(folder, f"{name}.srt"))),
        "consistency": str(checked),
    }
    files["otio"] = str(
        timeline.write_otio(cut, inside(folder, f"{name}.otio"), name=f"{title} · {episode}", relative_to=folder)
    )
    files["contact_sheet"] = str(
        contact_sheet.contact_sheet(
            [(s.id, Path(frames[s.id])) for s in shots.shots],
            inside(folder, "contact_sheet.png"),
            title=f"{title} · {episode}",
        )
    )
    studio.credentials.sign(Path(files["contact_sheet"]), f"{title} · {episode} contact sheet")
    out = inside(folder, f"{name}.mp4")
    models = sorted({*studio.models} | {studio.images.label, _speech_label(values)})
    cut.metadata = aigc_label(f"{run_id}/{name}", _content_hash(script, frames, audio), models, "video", CONTENT_SCOPE)
    cache = inside(studio.state_dir, "render-cache", run_id, name)
    rendered = video.render_episode(
        cut, out, font=cjk_font_path(), subtitles=Path(files["srt"]), cache=cache, progress=studio.progress
    )
    studio.credentials.sign(out, f"{title} · {episode}")  # after the mux wrote the labels: it binds them
    files["video"] = str(out)
    first_line_at = min((at for at, _ in cut.spoken()), default=None)
    episode_json = {
        "episode": episode,
        "title": script.title,
        "duration": cut.duration,
        "first_line_at": first_line_at,
        "files": files,
        "script": script.model_dump(mode="json"),
        "shots": shots.model_dump(mode="json"),
    }
    files["episode_json"] = str(atomic_write_json(inside(folder, "episode.json"), episode_json))
    return Produced(
        frames,
        audio,
        str(out),
        cut.duration,
        files,
        synthesized,
        drawn,
        rendered.encoded,
        rendered.segments,
        first_line_at,
    )


def render_episode(studio: Studio, values: dict, episode: int, inputs: dict) -> tuple[dict[str, dict], Produced]:
    """`room render`: the episode made again from its inputs (`load_inputs`, its script maybe changed), a bit part
    the changed script brings in cast first. Returns the run's voices when someone new was cast ({} otherwise)
    and what was made."""
    voices = cast_episode(studio, values, inputs["script"])
    values = {**values, "voices": voices or values.get("voices", {})}
    return voices, produce_episode(studio, values, episode, inputs)


def save_inputs(studio: Studio, run_id: str, episode: int, inputs: dict) -> None:
    """What the episode was made from, beside what was made: `room render` re-renders from it, so the run's state
    need not keep an episode's script and shot list once the next episode's are in the works."""
    atomic_write_json(
        inside(episode_dir(studio.outputs_dir, run_id, episode), INPUTS_FILE),
        {k: inputs[k] for k in INPUTS if k in inputs},
    )


@dataclass(frozen=True)
class Redraw:
    """One shot drawn again (`room redraw`): with the person's prompt if given, and a seed of its own (the one
    given, else a new one, so the frame does change)."""

    shot: str
    prompt: str | None = None
    seed: int | None = None


def redrawn(inputs: dict, bible: dict | None, redraw: Redraw) -> dict:
    """The episode's inputs with one shot's prompt or seed changed; the shot named as production numbers it."""
    _, shots = episode_as_cast(bible, inputs["script"], inputs["shots"])
    ids = [shot.id for shot in shots.shots]
    if redraw.shot not in ids:
        raise InputError(f"episode has no shot {redraw.shot!r}; its shots are {', '.join(ids)}")
    changed = {key: dict(inputs.get(key) or {}) for key in SHOT_INPUTS}
    if redraw.prompt is not None:
        if not redraw.prompt.strip():
            raise InputError("the prompt is empty")
        changed["prompts"][redraw.shot] = redraw.prompt.strip()[:MAX_PROMPT_CHARS]
    changed["seeds"][redraw.shot] = redraw.seed if redraw.seed is not None else secrets.randbelow(2**31)
    return {**inputs, **changed}


@dataclass(frozen=True)
class Revoice:
    """One line spoken again (`room revoice`), by its key ("scene:index"): in another voice (`[backend:]voice`, as
    `room cast` takes it) or at another pitch or rate, over its speaker's voice."""

    line: str
    voice: str | None = None
    pitch: float | None = None
    rate: float | None = None


def revoiced(studio: Studio, values: dict, inputs: dict, revoice: Revoice) -> dict:
    """The episode's inputs with one line's delivery changed (over what it was given before), checked as `room
    cast` checks a voice; the line named as production numbers it."""
    script, _ = episode_as_cast(values.get("artifacts", {}).get("bible"), inputs["script"], inputs["shots"])
    speakers = line_keys(script)
    if revoice.line not in speakers:
        raise InputError(f"episode has no line {revoice.line!r}; its lines are {', '.join(speakers)}")
    if revoice.voice is None and revoice.pitch is None and revoice.rate is None:
        raise InputError("say how the line should sound: a voice, a pitch or a rate")
    voices = values.get("voices") or {}
    if not voices:
        raise InputError("nobody is cast yet: the episode's lines have no voices to change")
    voicing = {key: dict(value) for key, value in (inputs.get("voicing") or {}).items()}
    delivery = voicing.get(revoice.line, {})
    lang = values.get("lang", "en")
    if revoice.voice is not None:
        current = line_voice(voices, speakers[revoice.line], delivery)
        backend, voice = casting.offered_voice(studio, lang, current["backend"], revoice.voice.strip())
        delivery |= {"backend": backend, "voice": voice}
    delivery |= {k: v for k, v in (("pitch", revoice.pitch), ("rate", revoice.rate)) if v is not None}
    casting.checked_voice(line_voice(voices, speakers[revoice.line], delivery))  # pitch and rate in range
    return {**inputs, "voicing": {**voicing, revoice.line: delivery}}


def inputs_saved(studio: Studio, run_id: str, episode: int) -> bool:
    """Whether the episode has been produced: what it was made from is beside what was made."""
    return (episode_dir(studio.outputs_dir, run_id, episode) / INPUTS_FILE).is_file()


def load_inputs(studio: Studio, values: dict, episode: int) -> dict:
    """What an episode was last made from (its folder), or, for the episode in the works not yet produced, what it
    will be made from once its prompts are written; {} when neither is there."""
    saved = episode_dir(studio.outputs_dir, values.get("run_id", ""), episode) / INPUTS_FILE
    if saved.is_file():
        try:
            inputs = json.loads(saved.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{saved} cannot be read: {exc.__class__.__name__}") from None
        return inputs if isinstance(inputs, dict) and all(k in inputs for k in ("script", "shots")) else {}
    if values.get("episode") == episode and "prompts" in episode_entry(values, episode):
        return episode_inputs(values, episode)
    return {}


def _speech_label(values: dict) -> str:
    backends = sorted({v.get("backend", "") for v in values.get("voices", {}).values()})
    return "speech:" + ",".join(backends)


CONTENT_SCOPE = "sha256 over the script's JSON, then the sha256 hex digests of the frames and the lines' audio"


def _content_hash(script: EpisodeScript, frames: dict[str, str], audio: dict[str, list]) -> str:
    """sha256 over what the video is made of (script, frames, audio)."""
    digest = hashlib.sha256(json.dumps(script.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
    for path in [*frames.values(), *(p for p, _ in audio.values())]:
        digest.update(sha256_of(Path(path)).encode())
    return digest.hexdigest()
