"""The person's say over the cast: hear each voice, give a character another, or edit `cast.json`.

Casting (`voices.cast_episode`) gives every character a voice once; here a
person changes one. A voice is named as its backend offers it ("en-us+f3"
for the backend the character speaks with now, or "espeak:en-us+f3" to switch
backends). The run's cast is kept in its state and written to
`outputs/RUN/cast.json`; an edit of that file is taken at the next render,
checked first. Either way the next render re-voices only the changed
characters' lines (audio is cached by text and voice).
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from agents.production.studio import Studio
from memory import Kind, MemoryRecord, Status
from tools.errors import InputError, first_problem
from tools.files import atomic_write_json, inside
from tools.speech import VoiceSpec, synthesize_cached
from tools.wav_labels import write_labelled_wav

CAST_FILE = "cast.json"
SAMPLE = {"en": "Hello. This is how I sound when I tell you the truth.", "zh": "你好。我说真话的时候，就是这个声音。"}


def cast_path(studio: Studio, run_id: str) -> Path:
    return inside(studio.outputs_dir, run_id, CAST_FILE)


def save_cast(studio: Studio, run_id: str, voices: dict[str, dict], changed: list[str]) -> None:
    """The cast in `cast.json`, and each changed voice in memory (the room recalls who sounds how)."""
    atomic_write_json(cast_path(studio, run_id), voices)
    studio.memory.put(
        [
            MemoryRecord(
                kind=Kind.ASSET,
                key=f"voice:{name}",
                text=json.dumps(voices[name], ensure_ascii=False),
                role="editor",
                run_id=run_id,
                artifact="cast",
                status=Status.APPROVED,
            )
            for name in changed
        ]
    )


def recast(
    studio: Studio, values: dict, character: str, voice: str, *, pitch: float | None = None, rate: float | None = None
) -> dict[str, dict]:
    """The run's voices with `character` speaking in `voice` (`[backend:]voice`, one the backend offers); pitch and
    rate are the voice's own unless given. Returns the whole cast."""
    known = values.get("voices", {})
    if character not in known:
        raise InputError(f"no one called {character!r} is cast; the cast: {', '.join(known) or 'nobody yet'}")
    current = VoiceSpec.model_validate(known[character])
    lang = values.get("lang", current.lang)
    backend_name, voice_id = offered_voice(studio, lang, current.backend, voice)
    spec = checked_voice(
        {
            "backend": backend_name,
            "voice": voice_id,
            "lang": lang,
            "pitch": 0.0 if pitch is None else pitch,
            "rate": 1.0 if rate is None else rate,
            "description": current.description,
        }
    )
    voices = {**known, character: spec.model_dump(mode="json")}
    save_cast(studio, values["run_id"], voices, [character])
    return voices


def offered_voice(studio: Studio, lang: str, backend_name: str, voice: str) -> tuple[str, str]:
    """A voice as a person names it (`[backend:]voice`; `backend_name` when no backend is named) as (backend, voice
    id), checked to be one that backend offers for `lang`."""
    backend_name, _, voice_id = voice.rpartition(":") if ":" in voice else (backend_name, "", voice)
    offered = offered_voices(studio.speech_backend(lang, backend_name), lang)
    if voice_id not in offered:
        raise InputError(f"{backend_name} has no voice {voice_id!r} for {lang}; it offers {', '.join(offered)}")
    return backend_name, voice_id


def checked_voice(fields: dict) -> VoiceSpec:
    """A voice from its fields, its pitch and rate in range, or the one line that says what is wrong."""
    try:
        return VoiceSpec.model_validate(fields)
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise InputError(f"the voice is not valid: {where or 'voice'}: {what}") from None


def offered_voices(backend, lang: str) -> list[str]:
    """Every voice a backend offers for `lang`, women's, men's and the rest, each once."""
    offered = backend.voices(lang)
    names = [*offered.female, *offered.male, *offered.neutral] if offered else list(backend.models())
    return list(dict.fromkeys(names))


def offered(studio: Studio, values: dict) -> dict[str, list[str]]:
    """The voices a person may choose from, per backend: the configured one's and those the cast speaks with."""
    lang = values.get("lang", "en")
    names = {studio.speech_backend(lang).info.name}
    names |= {VoiceSpec.model_validate(v).backend for v in values.get("voices", {}).values()}
    return {name: offered_voices(studio.speech_backend(lang, name), lang) for name in sorted(names)}


def edited_cast(studio: Studio, values: dict) -> dict[str, dict] | None:
    """The cast as the person left `cast.json`, when it differs from the run's (checked: every voice valid, nobody
    dropped); None when it is the same or absent."""
    path = cast_path(studio, values.get("run_id", ""))
    known = values.get("voices", {})
    if not path.is_file():
        return None
    try:
        written = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} is not readable JSON: {exc.__class__.__name__}") from None
    if not isinstance(written, dict):
        raise InputError(f"{path} must map each character to a voice")
    missing = [name for name in known if name not in written]
    if missing:
        raise InputError(f"{path} has no voice for {', '.join(missing)}")
    voices = {}
    for name, spec in written.items():
        try:
            voices[name] = VoiceSpec.model_validate(spec).model_dump(mode="json")
        except ValidationError as exc:
            where, what = first_problem(exc)
            raise InputError(f"{path}: the voice of {name!r} is not valid: {where or 'voice'}: {what}") from None
    return None if voices == known else voices


def samples(studio: Studio, values: dict) -> list[tuple[str, VoiceSpec, Path]]:
    """Each cast voice saying one sentence, in `outputs/RUN/cast/` (numbered in cast order: `voice_01.wav`)."""
    lang = values.get("lang", "en")
    made, backends = [], {}
    for number, (name, raw) in enumerate(values.get("voices", {}).items(), start=1):
        spec = VoiceSpec.model_validate(raw)
        if spec.backend not in backends:
            backends[spec.backend] = studio.speech_backend(lang, spec.backend)
        result = synthesize_cached(
            spec.backend,
            SAMPLE.get(lang, SAMPLE["en"]),
            spec,
            studio.state_dir / "speech-cache",
            backend=backends[spec.backend],
        )
        target = inside(studio.outputs_dir, values["run_id"], "cast", f"voice_{number:02d}.wav")
        content_id = target.relative_to(Path(studio.outputs_dir).resolve()).as_posix()
        write_labelled_wav(Path(result.path), target, content_id, [f"{spec.backend}:{spec.voice}"], "speech")
        made.append((name, spec, target))
    return made
