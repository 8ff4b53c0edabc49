"""Synthesized lines cached by content: a re-run of an episode, or a line
that did not change between drafts, costs nothing.

The key hashes everything that changes the audio: the text, the whole voice
spec, the backend's name and its fingerprint (version, model, settings).
A WAV enters the cache only complete and readable, by rename, so a crash or
a concurrent writer never leaves half a file under a key.
"""

from __future__ import annotations

import hashlib
import json
import wave
from pathlib import Path

from tools.errors import ConfigError, OutputError
from tools.files import atomic_target

from .base import SpeechBackend, SpeechResult, VoiceSpec, wav_info


def cache_key(backend_name: str, text: str, voice: VoiceSpec, fingerprint: dict) -> str:
    payload = {
        "backend": backend_name,
        "text": text.strip(),
        "voice": voice.model_dump(mode="json"),
        "settings": fingerprint,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def _cached(path: Path) -> SpeechResult | None:
    if not path.is_file():
        return None
    try:
        duration, rate = wav_info(path)
    except (wave.Error, EOFError, OSError):
        return None  # unreadable (written by hand, disk trouble): synthesize again over it
    return SpeechResult(path=path, duration=duration, sample_rate=rate, cached=True)


def synthesize_cached(
    backend_name: str,
    text: str,
    voice: VoiceSpec,
    cache_dir: Path,
    *,
    backend: SpeechBackend | None = None,
    **options,
) -> SpeechResult:
    """The WAV for `text` in `voice`, from the cache or synthesized into it.

    `backend` injects an already created backend (tests, or a caller that
    holds one); otherwise it is created from the registry with `options`.
    """
    if voice.backend != backend_name:
        raise ConfigError(f"voice is for the '{voice.backend}' speech backend, not '{backend_name}'")
    if backend is None:
        from . import create_speech_backend

        backend = create_speech_backend(backend_name, **options)
    key = cache_key(backend_name, text, voice, backend.fingerprint(voice))
    path = Path(cache_dir) / key[:2] / f"{key}.wav"
    hit = _cached(path)
    if hit is not None:
        return hit

    with atomic_target(path, suffix=".wav.tmp") as tmp:
        backend.synthesize(text, voice, tmp)
        try:
            duration, rate = wav_info(tmp)
        except (wave.Error, EOFError) as exc:
            raise OutputError(f"the '{backend_name}' speech backend wrote an unreadable WAV: {exc}") from None
        if duration <= 0:
            raise OutputError(f"the '{backend_name}' speech backend wrote an empty WAV for {text[:40]!r}")
    return SpeechResult(path=path, duration=duration, sample_rate=rate, cached=False)
