"""Speech: dialogue audio for the episodes.

Backends, by name in `SPEECH`: "piper" (default for English: the bundled
en_US-joe-medium voice), "espeak" (default for Chinese and other languages),
"coqui" (Coqui TTS where it imports) and "openai" (any /v1/audio/speech
server). Each character's `VoiceSpec` is cast once (`cast_voices`) and stored
in the bible; lines go through `synthesize_cached`, so only changed lines cost
synthesis. Backend modules import their heavy packages only when created.
"""

from __future__ import annotations

from tools.registry import Registry

from . import coqui_backend, espeak_backend, openai_backend, piper_backend
from .base import SpeechBackend, SpeechResult, VoiceSpec, wav_duration
from .cache import synthesize_cached
from .casting import cast_voices

SPEECH: Registry[SpeechBackend] = Registry("speech")


def _piper(**options):
    return piper_backend.PiperBackend(**options)


def _espeak(**options):
    return espeak_backend.EspeakBackend(**options)


def _coqui(**options):
    return coqui_backend.CoquiBackend(**options)


def _openai(**options):
    return openai_backend.OpenAISpeechBackend(**options)


SPEECH.register(piper_backend.INFO, _piper)
SPEECH.register(espeak_backend.INFO, _espeak)
SPEECH.register(coqui_backend.INFO, _coqui)
SPEECH.register(openai_backend.INFO, _openai)


def create_speech_backend(name: str, **options) -> SpeechBackend:
    """The backend called `name`; one-line errors for an unknown name, a
    missing package (naming the extra) or a missing key."""
    return SPEECH.create(name, **options)


def default_backend_for(lang: str) -> str:
    """Piper speaks English with the bundled voice; espeak speaks the rest."""
    return "piper" if lang.lower().split("-")[0].split("_")[0] == "en" else "espeak"

__all__ = [
    "SPEECH",
    "SpeechBackend",
    "SpeechResult",
    "VoiceSpec",
    "cast_voices",
    "create_speech_backend",
    "default_backend_for",
    "synthesize_cached",
    "wav_duration",
]
