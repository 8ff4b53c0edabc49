"""Speech: dialogue audio for the episodes.

Backends, by name in `SPEECH`: "piper" (default for English: the bundled
en_US-joe-medium voice), "espeak" (default for Chinese and other languages),
"coqui" (Coqui TTS where it imports) and "openai" (any /v1/audio/speech
server). Each backend offers casting its own voices (`voices(lang)`); each
character's `VoiceSpec` is cast once (`cast_voices`) and stored in the run;
lines go through `synthesize_cached`, so only changed lines cost synthesis.
Backend modules import their heavy packages only when created.
"""

from __future__ import annotations

from tools.registry import BackendSpec, Registry

from . import coqui_backend, espeak_backend, openai_backend, piper_backend
from .base import SpeechBackend, SpeechResult, Voices, VoiceSpec, wav_duration
from .cache import synthesize_cached
from .casting import cast_voices

SPEECH: Registry[SpeechBackend] = Registry("speech")
SPEECH.register(piper_backend.INFO, piper_backend.PiperBackend)
SPEECH.register(espeak_backend.INFO, espeak_backend.EspeakBackend)
SPEECH.register(coqui_backend.INFO, coqui_backend.CoquiBackend)
SPEECH.register(openai_backend.INFO, openai_backend.OpenAISpeechBackend)


def create_speech_backend(spec: BackendSpec | str, **options) -> SpeechBackend:
    """The backend `spec` names (`provider[:model]` plus options), built with `options` too; one-line errors
    for an unknown name or option, a missing package (naming the extra) or a missing key."""
    return SPEECH.create(spec, **options)


def default_backend_for(lang: str) -> str:
    """Piper speaks English with the bundled voice; espeak speaks the rest."""
    return "piper" if lang.lower().split("-")[0].split("_")[0] == "en" else "espeak"


__all__ = [
    "SPEECH",
    "SpeechBackend",
    "SpeechResult",
    "VoiceSpec",
    "Voices",
    "cast_voices",
    "create_speech_backend",
    "default_backend_for",
    "synthesize_cached",
    "wav_duration",
]
