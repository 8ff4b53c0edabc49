"""Production of one episode from its approved script and shot list: frames, voices, cut, exports, video.

These functions are what the episode graph's nodes call, and what `room
render` calls to re-render an episode after a change: every step skips work
whose inputs did not change (frames whose request is unchanged, lines whose
audio is cached), so a re-render after one changed line re-synthesises that
line only. The image and speech backends are created once per pass
(`graphs.services`), never per shot or line.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.art_director import StyleGuide, VisualSheet
from agents.director import ShotList
from agents.editor import build_cut
from agents.screenwriter import Bible, EpisodeScript
from agents.speakers import MAX_CAST, bit_parts, episode_as_cast, match_name, script_in_cast
from agents.structured import stored_artifact
from graphs.context import Context
from tools.cut import RENDER_SIZES
from tools.files import atomic_write_json, atomic_write_text, inside
from tools.labels import aigc_label, sha256_of


def episode_dir(ctx: Context, run_id: str, episode: int) -> Path:
    return inside(ctx.outputs_dir, run_id, "episodes", f"ep{episode:02d}")


def episode_input(values: dict, episode: int) -> tuple[EpisodeScript, ShotList]:
    """The episode's script and shot list from the run's state, resolved (`speakers.episode_as_cast`)."""
    production = values["production"][str(episode)]
    return episode_as_cast(values.get("artifacts", {}).get("bible"), production["script"], production["shots"])


def fallback_sheet(name: str, description: str) -> dict:
    """A deterministic visual sheet for a character the art director did not cover."""
    digest = hashlib.sha256(name.encode()).digest()
    palette = ["#%02x%02x%02x" % tuple(digest[i:i + 3]) for i in (0, 3, 6)]
    tokens = [t.strip() for t in description.replace("，", ",").split(",") if t.strip()][:6] or [name]
    while len(tokens) < 3:
        tokens.append(name)
    return VisualSheet(character=name, appearance_tokens=tokens, palette=palette,
                       seed=int.from_bytes(digest[:4], "big") % (2**31)).model_dump()


def settle_sheets(bible: dict, known: dict[str, dict], proposed: list[dict]) -> dict[str, dict]:
    """Sheets fixed once stay fixed; new characters take the proposal (under the name it plainly means),
    else a deterministic sheet."""
    sheets = dict(known)
    characters = stored_artifact(Bible, bible, "bible").characters
    named = [c.name for c in characters]
    by_name: dict[str, dict] = {}
    for sheet in proposed:
        name = match_name(sheet["character"], named)
        if name and name not in by_name:
            by_name[name] = {**sheet, "character": name}
    for character in characters:
        if character.name not in sheets:
            sheets[character.name] = by_name.get(character.name) or fallback_sheet(character.name, character.visual_description)
    return sheets


def cast_episode(ctx: Context, values: dict, episode: int) -> dict[str, dict]:
    """The run's voices with every character and every bit part of this episode's script cast;
    {} when nobody new speaks. A voice once cast never changes."""
    from graphs import services
    from memory import Kind, MemoryRecord, Status
    from tools.speech import cast_voices

    known = values.get("voices", {})
    characters = stored_artifact(Bible, values["artifacts"]["bible"], "bible").characters
    named = [c.name for c in characters]
    script = script_in_cast(stored_artifact(EpisodeScript, values["production"][str(episode)]["script"], "script"),
                            named)
    room = max(0, MAX_CAST - len({*known, *named}))  # a bit part past the series' cap speaks as the narrator
    new = [n for n in named if n not in known] + [n for n in bit_parts(script, named) if n not in known][:room]
    if not new:
        return {}
    extras = [*(n for n in known if n not in named), *(n for n in new if n not in named)]
    everyone = [(c.name, f"{c.age} {c.role} {c.visual_description}", c.voice) for c in characters]
    everyone += [(name, "", "") for name in extras]  # in the order first cast, so earlier voices come out the same
    speech = services.speech_backend(ctx, values["lang"])
    voices = {name: spec.model_dump(mode="json") for name, spec in cast_voices(everyone, values["lang"], speech).items()}
    voices.update(known)
    atomic_write_json(inside(ctx.outputs_dir, values["run_id"], "cast.json"), voices)
    services.memory(ctx).put([
        MemoryRecord(kind=Kind.ASSET, key=f"voice:{name}", text=json.dumps(spec, ensure_ascii=False), role="editor",
                     run_id=values["run_id"], artifact="cast", status=Status.APPROVED)
        for name, spec in voices.items() if name not in known
    ])
    return voices


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

    def as_state(self) -> dict[str, Any]:
        return self.__dict__.copy()


def _image_request(shot, prompt: str, sheets: dict[str, dict], style: dict, lang: str, size: tuple[int, int]):
    from tools.images.base import CharacterLook, ImageRequest

    looks = []
    for name in filter(str.strip, shot.characters):  # a bit part has no sheet of the art director's: it gets a fixed one of its own
        sheet = sheets.get(name) or fallback_sheet(name, "")
        looks.append(CharacterLook(name=name, appearance=sheet["appearance_tokens"], palette=sheet["palette"],
                                   seed=sheet["seed"]))
    return ImageRequest(
        shot_id=shot.id, prompt=prompt or shot.visual_intent, shot_size=str(shot.size), camera=str(shot.camera),
        characters=looks, location=shot.location, location_palette=style.get("palette", []),
        caption=shot.visual_intent, lang=lang, seed=looks[0].seed if looks else 0, width=size[0], height=size[1],
    )


def render_frames(ctx: Context, folder: Path, shots: ShotList, prompts: dict[str, str], sheets: dict, style: dict,
                  lang: str) -> tuple[dict[str, str], int]:
    """One labelled still per shot, from the run's image backend, numbered in shot order (frames/shot_001.png:
    a shot id is the model's, never a file name); a frame whose request is unchanged is not redrawn."""
    from graphs import services

    backend = services.image_backend(ctx)
    frames, drawn = {}, 0
    for number, shot in enumerate(shots.shots, start=1):
        request = _image_request(shot, prompts.get(shot.id, ""), sheets, style, lang, RENDER_SIZES[ctx.render][:2])
        out = inside(folder, "frames", f"shot_{number:03d}.png")
        stamp = out.with_suffix(".request")
        key = hashlib.sha256(repr((ctx.images.identity, request)).encode()).hexdigest()
        if not (out.exists() and stamp.exists() and stamp.read_text() == key):
            backend.render(request, out)
            atomic_write_text(stamp, key)
            drawn += 1
        frames[shot.id] = str(out)
    return frames, drawn


def synthesize_lines(ctx: Context, folder: Path, script: EpisodeScript, voices: dict[str, dict],
                     lang: str) -> tuple[dict[str, list], int]:
    """Every dialogue line in its character's voice, through the content-hash cache; each voice's backend
    (the one it was cast with) is created once for the pass."""
    from graphs import services
    from tools.speech import VoiceSpec, synthesize_cached

    cache_dir = ctx.state_dir / "speech-cache"
    audio, synthesized, backends = {}, 0, {}
    narrator = next(iter(voices.values()))
    for scene in script.scenes:
        for index, line in enumerate(scene.lines):
            voice = VoiceSpec.model_validate(voices.get(line.speaker, narrator))
            if voice.backend not in backends:
                backends[voice.backend] = services.speech_backend(ctx, lang, voice.backend)
            result = synthesize_cached(voice.backend, line.text, voice, cache_dir, backend=backends[voice.backend])
            synthesized += not result.cached
            target = inside(folder, "audio", f"s{scene.number:02d}_l{index:02d}.wav")
            if not target.exists() or sha256_of(target) != sha256_of(Path(result.path)):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(result.path, target)
            audio[f"{scene.number}:{index}"] = [str(target), result.duration]
    return audio, synthesized


def produce_episode(ctx: Context, values: dict, episode: int) -> Produced:
    """Frames, voices, cut, exports and the labelled MP4 of one episode, from the run's state."""
    from tools import contact_sheet, fountain, subtitles, timeline, video
    from tools.fonts import cjk_font_path

    run_id, lang = values["run_id"], values["lang"]
    folder = episode_dir(ctx, run_id, episode)
    production = values["production"][str(episode)]
    script, shots = episode_input(values, episode)
    art = values.get("art", {})
    style = stored_artifact(StyleGuide, art["style"], "style guide").model_dump() if art.get("style") else {}
    frames, drawn = render_frames(ctx, folder, shots, production.get("prompts", {}), art.get("sheets", {}), style,
                                  lang)
    audio, synthesized = synthesize_lines(ctx, folder, script, values.get("voices", {}), lang)
    title = values.get("artifacts", {}).get("pitch", {}).get("title", run_id)
    width, height, fps = RENDER_SIZES[ctx.render]
    cut = build_cut(script, shots, {k: Path(v) for k, v in frames.items()},
                    {tuple(map(int, k.split(":"))): (Path(p), d) for k, (p, d) in audio.items()}, title=title, lang=lang,
                    fps=fps, size=(width, height))
    name = f"ep{episode:02d}"
    script_data = script.model_dump(mode="json")
    files = {
        "script_json": str(atomic_write_json(inside(folder, "script.json"), script_data)),
        "fountain": str(atomic_write_text(inside(folder, "script.fountain"),
                                          fountain.to_fountain(script_data, series_title=title, lang=lang))),
        "shots": str(atomic_write_json(inside(folder, "shots.json"), shots.model_dump(mode="json"))),
        "srt": str(subtitles.write_srt(cut, inside(folder, f"{name}.srt"))),
    }
    files["otio"] = str(timeline.write_otio(cut, inside(folder, f"{name}.otio"), name=f"{title} · {episode}"))
    files["contact_sheet"] = str(contact_sheet.contact_sheet([(s.id, Path(frames[s.id])) for s in shots.shots],
                                                             inside(folder, "contact_sheet.png"),
                                                             title=f"{title} · {episode}"))
    out = inside(folder, f"{name}.mp4")
    models = sorted({m for m in (ctx.model, *ctx.role_models.values())} | {ctx.images.label, ctx_speech_label(values)})
    cut.metadata = aigc_label(f"{run_id}/{name}", _content_hash(script, frames, audio), models, "video")
    cache = inside(ctx.state_dir, "render-cache", run_id, name)
    rendered = video.render_episode(cut, out, font=cjk_font_path(), subtitles=Path(files["srt"]), cache=cache)
    files["video"] = str(out)
    episode_json = {"episode": episode, "title": script.title, "duration": cut.duration, "files": files,
                    "script": script.model_dump(mode="json"), "shots": shots.model_dump(mode="json")}
    files["episode_json"] = str(atomic_write_json(inside(folder, "episode.json"), episode_json))
    return Produced(frames, audio, str(out), cut.duration, files, synthesized, drawn, rendered.encoded,
                    rendered.segments)


def ctx_speech_label(values: dict) -> str:
    backends = sorted({v.get("backend", "") for v in values.get("voices", {}).values()})
    return "speech:" + ",".join(backends)


def _content_hash(script: EpisodeScript, frames: dict[str, str], audio: dict[str, list]) -> str:
    """sha256 over what the video is made of (script, frames, audio)."""
    digest = hashlib.sha256(json.dumps(script.model_dump(mode="json"), sort_keys=True, ensure_ascii=False).encode())
    for path in [*frames.values(), *(p for p, _ in audio.values())]:
        digest.update(sha256_of(Path(path)).encode())
    return digest.hexdigest()
