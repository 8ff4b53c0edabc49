"""OpenAI speech (`/v1/audio/speech`), or any server that speaks that API.

The base URL follows the room's precedence: the explicit option, then
ROOM_BASE_URL, then OPENAI_BASE_URL. The key is OPENAI_API_KEY. Rate and
pitch are applied in post (gpt-4o-mini-tts ignores `speed`); the voice's
description goes to gpt-4o-* models as speaking instructions.
"""

from __future__ import annotations

import os
from pathlib import Path

from tools.errors import client_options, openai_errors
from tools.registry import BackendInfo

from .base import VoiceSpec, require_text, shift_pitch_and_tempo, wav_bytes_to_pcm16, write_wav

DEFAULT_MODEL = "gpt-4o-mini-tts"
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")

INFO = BackendInfo(
    name="openai",
    kind="speech",
    packages=("openai",),
    key_env="OPENAI_API_KEY",
    capabilities=frozenset({"remote", "rate", "pitch", "multilingual", "instructions"}),
)


class OpenAISpeechBackend:
    info = INFO

    def __init__(self, model: str = DEFAULT_MODEL, base_url: str | None = None, timeout: float = 60.0):
        from openai import OpenAI

        self.model = model
        self.base_url = base_url or os.environ.get("ROOM_BASE_URL") or os.environ.get("OPENAI_BASE_URL") or None
        self.client = OpenAI(api_key=os.environ["OPENAI_API_KEY"], base_url=self.base_url, **client_options(timeout))

    def models(self) -> list[str]:
        return list(VOICES)

    def fingerprint(self, voice: VoiceSpec) -> dict:
        return {"model": self.model, "base_url": self.base_url or "https://api.openai.com/v1"}

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        text = require_text(text)
        extra = {"instructions": voice.description} if voice.description and self.model.startswith("gpt-4o") else {}
        with openai_errors(f"the speech server {self.base_url or 'api.openai.com'}", "OPENAI_API_KEY"):
            response = self.client.audio.speech.create(
                model=self.model, voice=voice.voice or VOICES[0], input=text, response_format="wav", **extra
            )
        samples, rate = wav_bytes_to_pcm16(response.content)
        samples = shift_pitch_and_tempo(samples, rate, semitones=voice.pitch, tempo=voice.rate)
        write_wav(out, samples, rate)
