"""The episode's voices: a voice cast once per character and bit part, every line spoken in it.

Each line's WAV in the episode folder carries the AIGC label (`tools.wav_labels`).

A voice once cast never changes (kept in `outputs/RUN/cast.json` and in memory);
audio is cached by content hash, so a re-render synthesises only changed lines.
"""

from __future__ import annotations

import re
from pathlib import Path

from agents.handed import gender_of
from agents.production.casting import save_cast
from agents.production.studio import Studio
from agents.screenwriter import Bible, DialogueLine, EpisodeScript
from agents.speakers import MAX_CAST, bit_parts, script_in_cast
from agents.structured import stored_artifact
from tools.files import inside
from tools.wav_labels import write_labelled_wav


def cast_episode(studio: Studio, values: dict, script: dict) -> dict[str, dict]:
    """The run's voices with every character and every bit part of an episode's `script` cast;
    {} when nobody new speaks. A voice once cast never changes."""
    from tools.speech import cast_voices

    known = values.get("voices", {})
    characters = stored_artifact(Bible, values["artifacts"]["bible"], "bible").characters
    named = [c.name for c in characters]
    spoken = script_in_cast(stored_artifact(EpisodeScript, script, "script"), named)
    room = max(0, MAX_CAST - len({*known, *named}))  # a bit part past the series' cap speaks as the narrator
    new = [n for n in named if n not in known] + [n for n in bit_parts(spoken, named) if n not in known][:room]
    if not new:
        return {}
    extras = [*(n for n in known if n not in named), *(n for n in new if n not in named)]
    everyone = [(c.name, f"{c.age} {c.role} {c.visual_description}", c.voice) for c in characters]
    everyone += [(name, "", "") for name in extras]  # in the order first cast, so earlier voices come out the same
    # a name from the room's pools says its gender; what a small model writes of a character is no guide to it
    genders = {name: gender_of(name) for name, _, _ in everyone}
    voices = {
        name: spec.model_dump(mode="json")
        for name, spec in cast_voices(everyone, values["lang"], studio.speech_backend(values["lang"]), genders).items()
    }
    voices.update(known)
    save_cast(studio, values["run_id"], voices, [name for name in voices if name not in known])
    return voices


def spoken_lines(script: EpisodeScript) -> dict[str, DialogueLine]:
    """Each dialogue line by its key ("scene:index", as its audio is named and `room revoice` names it)."""
    return {f"{scene.number}:{index}": line for scene in script.scenes for index, line in enumerate(scene.lines)}


def line_keys(script: EpisodeScript) -> dict[str, str]:
    """Each dialogue line's key -> its speaker."""
    return {key: line.speaker for key, line in spoken_lines(script).items()}


def line_key(audio: Path | str) -> str | None:
    """The key ("scene:index") of a line from its audio file's name (`sXX_lYY.wav`), or None."""
    found = re.fullmatch(r"s(\d+)_l(\d+)\.wav", Path(audio).name)
    return f"{int(found[1])}:{int(found[2])}" if found else None


def line_voice(voices: dict[str, dict], speaker: str, delivery: dict | None = None) -> dict:
    """The voice a line is spoken in: its speaker's (the narrator's for someone not cast), with the line's own
    delivery (`room revoice`: backend, voice, pitch or rate) over it."""
    return {**voices.get(speaker, next(iter(voices.values()))), **(delivery or {})}


def synthesize_lines(
    studio: Studio,
    folder: Path,
    script: EpisodeScript,
    voices: dict[str, dict],
    lang: str,
    voicing: dict[str, dict] | None = None,
) -> tuple[dict[str, list], int]:
    """Every dialogue line in its character's voice (with its own delivery where `voicing`, by line key, gives
    one), through the content-hash cache; each voice's backend (the one it was cast with) is created once for
    the pass."""
    from tools.speech import VoiceSpec, synthesize_cached

    cache_dir = studio.state_dir / "speech-cache"
    audio, synthesized, backends = {}, 0, {}
    voicing = voicing or {}
    total = sum(len(scene.lines) for scene in script.scenes)
    for scene in script.scenes:
        for index, line in enumerate(scene.lines):
            key = f"{scene.number}:{index}"
            voice = VoiceSpec.model_validate(line_voice(voices, line.speaker, voicing.get(key)))
            if voice.backend not in backends:
                backends[voice.backend] = studio.speech_backend(lang, voice.backend)
            result = synthesize_cached(voice.backend, line.text, voice, cache_dir, backend=backends[voice.backend])
            synthesized += not result.cached
            target = inside(folder, "audio", f"s{scene.number:02d}_l{index:02d}.wav")
            content_id = target.relative_to(Path(studio.outputs_dir).resolve()).as_posix()
            write_labelled_wav(Path(result.path), target, content_id, [f"{voice.backend}:{voice.voice}"], "speech")
            audio[key] = [str(target), result.duration]
            studio.progress("lines", len(audio), total)
    return audio, synthesized
