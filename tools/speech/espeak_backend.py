"""eSpeak NG: small formant synthesis for Chinese and every other language
Piper has no bundled voice for.

Driven through ctypes against the libespeak-ng 1.52 and data that
`espeakng-loader` ships (Debian's espeak-ng reads Mandarin tones wrongly).
The library is one global state, so one engine per process, behind a lock.
Characters differ by voice variant ("cmn+f2", "cmn+m3"), rate and pitch.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import numpy as np

from tools.errors import ConfigError, ModelUnavailableError
from tools.registry import BackendInfo

from .base import Voices, VoiceSpec, require_text, write_wav

INFO = BackendInfo(
    name="espeak",
    kind="speech",
    packages=("espeakng_loader",),
    local=True,
)

# espeak_lib.h
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_DONT_EXIT = 0x8000
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE, _PITCH = 1, 3
_ERRORS = {-1: "internal error", 1: "buffer full", 2: "not found"}

NORMAL_RATE_WPM = 175  # espeak's default words per minute
NORMAL_PITCH = 50  # espeak's 0..100 pitch scale
PITCH_UNITS_PER_SEMITONE = 5.5  # measured: 25 units move F0 by 4-5 semitones around the default

# The variants casting gives women, men and anyone else, in the order to try.
VARIANTS = {
    "female": ("f2", "f3", "f4", "f1", "f5"),
    "male": ("m3", "m1", "m2", "m4", "m7", "m6", "m5", "m8"),
    "neutral": ("m2", "f4", "m4", "f1"),
}

# A language code (as the bible stores it) -> espeak's voice for it.
LANG_VOICES = {"zh": "cmn", "zh-cn": "cmn", "cmn": "cmn", "yue": "yue", "zh-hk": "yue", "en": "en-us", "pt": "pt-br"}

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


def voice_for_lang(lang: str) -> str:
    lang = lang.lower()
    return LANG_VOICES.get(lang, LANG_VOICES.get(lang.split("-")[0], lang))


class _Engine:
    """The process's one libespeak-ng, in synchronous mode: espeak_Synth
    returns when the callback has received every sample."""

    def __init__(self):
        import espeakng_loader

        self.data_path = Path(espeakng_loader.get_data_path())
        self.lib = lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        self.sample_rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_path).encode(), _INITIALIZE_DONT_EXIT
        )
        if self.sample_rate <= 0:
            raise ModelUnavailableError(f"libespeak-ng could not start with data from {self.data_path}")
        self.version = lib.espeak_Info(None).decode()
        self._chunks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._collect)  # kept alive as long as the engine
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav, count, _events) -> int:
        if wav and count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0  # go on

    def variants(self) -> set[str]:
        return {p.name for p in (self.data_path / "voices" / "!v").iterdir() if p.is_file()}

    def speak(self, text: str, voice: str, wpm: int, pitch: int) -> np.ndarray:
        """Called with the module lock held."""
        variant = voice.partition("+")[2]
        if variant and variant not in self.variants():  # espeak would ignore it silently
            raise ConfigError(f"espeak has no voice variant '{variant}' (in '{voice}'); see its variants()")
        err = self.lib.espeak_SetVoiceByName(voice.encode())
        if err != 0:
            raise ConfigError(f"espeak has no voice '{voice}' ({_ERRORS.get(err, err)}); see its models()")
        self.lib.espeak_SetParameter(_RATE, wpm, 0)
        self.lib.espeak_SetParameter(_PITCH, pitch, 0)
        self._chunks = []
        data = text.encode("utf-8") + b"\0"
        err = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if err != 0:
            raise ModelUnavailableError(f"espeak could not synthesize ({_ERRORS.get(err, err)})")
        chunks, self._chunks = self._chunks, []
        return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


_ENGINE: _Engine | None = None
_LOCK = threading.RLock()


def _engine() -> _Engine:
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            _ENGINE = _Engine()
        return _ENGINE


def espeak_params(voice: VoiceSpec) -> tuple[int, int]:
    """(words per minute, 0..100 pitch) for a voice's rate and semitones."""
    wpm = round(NORMAL_RATE_WPM * voice.rate)
    pitch = round(NORMAL_PITCH + PITCH_UNITS_PER_SEMITONE * voice.pitch)
    return min(max(wpm, 80), 450), min(max(pitch, 5), 100)


class EspeakBackend:
    info = INFO

    def models(self) -> list[str]:
        """Language voices ("cmn", "en-us", ...); add a variant with "+": "cmn+f2"."""
        lang_dir = _engine().data_path / "lang"
        return sorted(p.name for p in lang_dir.rglob("*") if p.is_file())

    def voices(self, lang: str) -> Voices:
        """The language's voice in each variant: "cmn+f2", "cmn+m3", ..."""
        base = voice_for_lang(lang)
        return Voices(**{gender: tuple(f"{base}+{v}" for v in variants) for gender, variants in VARIANTS.items()})

    def variants(self) -> list[str]:
        """Voice variants to add to a language voice: "f2" -> "cmn+f2"."""
        return sorted(_engine().variants())

    def fingerprint(self, voice: VoiceSpec) -> dict:
        return {"espeak-ng": _engine().version, "params": espeak_params(voice)}

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        text = require_text(text)
        name = voice.voice or voice_for_lang(voice.lang)
        wpm, pitch = espeak_params(voice)
        with _LOCK:
            engine = _engine()
            samples = engine.speak(text, name, wpm, pitch)
            rate = engine.sample_rate
        if samples.size == 0:
            raise ConfigError(f"espeak voice '{name}' produced no audio for {text[:40]!r}")
        write_wav(out, samples, rate)
