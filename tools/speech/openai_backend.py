"""OpenAI speech (`/v1/audio/speech`), or any server that speaks that API.

The server is the `base_url` option, which the configuration resolves for
speech alone (`ROOM_SPEECH_BASE_URL`, `base_url` in `[speech]`), else OpenAI's
own: never the chat server's. The key is in the variable `key_env` names
(OPENAI_API_KEY); a server on this machine needs none. Rate and pitch are
applied in post (gpt-4o-mini-tts ignores `speed`); the voice's description
goes to gpt-4o-* models as speaking instructions.
"""

from __future__ import annotations

from pathlib import Path

from tools.errors import client_options, openai_errors
from tools.registry import OPENAI_URL, BackendInfo

from .base import Voices, VoiceSpec, require_text, shift_pitch_and_tempo, wav_bytes_to_pcm16, write_wav

DEFAULT_MODEL = "gpt-4o-mini-tts"
VOICES = ("alloy", "ash", "ballad", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer", "verse")
# how the voices sound, for casting, in the order to try
CASTING = Voices(
    female=("coral", "nova", "shimmer", "sage"),
    male=("onyx", "echo", "ash", "fable"),
    neutral=("alloy", "verse", "ballad"),
)

INFO = BackendInfo(
    name="openai",
    kind="speech",
    packages=("openai",),
    key_env="OPENAI_API_KEY",
    base_url=OPENAI_URL,
)


class OpenAISpeechBackend:
    info = INFO

    def __init__(
        self, model: str = DEFAULT_MODEL, base_url: str = OPENAI_URL, key_env: str | None = None, timeout: float = 60.0
    ):
        from openai import OpenAI

        self.model = model
        self.base_url = base_url or OPENAI_URL
        self.key_env = key_env or INFO.key_env
        self.client = OpenAI(
            api_key=INFO.api_key(self.key_env, self.base_url), base_url=self.base_url, **client_options(timeout)
        )

    def models(self) -> list[str]:
        return list(VOICES)

    def voices(self, lang: str) -> Voices:
        """The same voices in every language: the model speaks what it is given."""
        return CASTING

    def fingerprint(self, voice: VoiceSpec) -> dict:
        return {"model": self.model, "base_url": self.base_url}

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        text = require_text(text)
        extra = {"instructions": voice.description} if voice.description and self.model.startswith("gpt-4o") else {}
        with openai_errors(f"the speech server {self.base_url}", self.key_env):
            response = self.client.audio.speech.create(
                model=self.model, voice=voice.voice or VOICES[0], input=text, response_format="wav", **extra
            )
        samples, rate = wav_bytes_to_pcm16(response.content)
        samples = shift_pitch_and_tempo(samples, rate, semitones=voice.pitch, tempo=voice.rate)
        write_wav(out, samples, rate)
