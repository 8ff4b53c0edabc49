"""What every speech backend shares: the voice a character speaks with, the
result of a synthesis, the backend protocol, and the small WAV and pitch
helpers the backends use so that each one writes the same kind of file
(mono, 16-bit PCM) atomically.
"""

from __future__ import annotations

import io
import struct
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from tools.errors import InputError, OutputError
from tools.ffmpeg import ffmpeg_exe, run_ffmpeg
from tools.files import atomic_write_bytes
from tools.registry import BackendInfo


class VoiceSpec(BaseModel):
    """A character's voice: chosen once by casting and stored in the bible, so
    the character sounds the same in every episode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: str
    voice: str = Field(description="backend-specific id: a Piper model, an espeak voice+variant, an OpenAI voice, ...")
    lang: str = "en"
    rate: float = Field(1.0, ge=0.25, le=4.0, description="speaking rate, 1.0 = normal")
    pitch: float = Field(0.0, ge=-12.0, le=12.0, description="semitones, 0 = the voice's own pitch")
    description: str = ""


class SpeechResult(BaseModel):
    """One synthesized line on disk; the timeline is built from `duration`."""

    model_config = ConfigDict(frozen=True)

    path: Path
    duration: float  # seconds
    sample_rate: int
    cached: bool = False


@dataclass(frozen=True)
class Voices:
    """The voices a backend offers casting in one language, by the gender they sound, each in the order to try.

    A backend with one voice for everyone (Piper's bundled voice) is not
    `gendered`: casting then tells women, men and children apart by pitch.
    """

    female: tuple[str, ...]
    male: tuple[str, ...]
    neutral: tuple[str, ...]
    gendered: bool = True

    @classmethod
    def one(cls, voice: str) -> Voices:
        return cls((voice,), (voice,), (voice,), gendered=False)

    def of(self, gender: str) -> tuple[str, ...]:
        return {"female": self.female, "male": self.male}.get(gender, self.neutral)


@runtime_checkable
class SpeechBackend(Protocol):
    info: BackendInfo

    def models(self) -> list[str]:
        """Voices or models this backend can speak with."""

    def voices(self, lang: str) -> Voices | None:
        """The voices casting chooses from for `lang`; None when this backend has no list to choose from."""

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        """Write `text` spoken in `voice` to `out` as a mono 16-bit WAV."""

    def fingerprint(self, voice: VoiceSpec) -> dict:
        """Backend version, model and settings that change this voice's audio: part of the cache key."""


def require_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InputError("nothing to say: the line is empty")
    return text


# --- WAV --------------------------------------------------------------------


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> Path:
    """Write mono int16 samples as a WAV, atomically."""
    samples = np.asarray(samples)
    if samples.dtype != np.int16:
        raise TypeError(f"write_wav wants int16 samples, got {samples.dtype}")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(int(sample_rate))
        wav.writeframes(samples.astype("<i2", copy=False).tobytes())
    return atomic_write_bytes(path, buffer.getvalue())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    return wav_bytes_to_pcm16(Path(path).read_bytes())


def wav_bytes_to_pcm16(data: bytes) -> tuple[np.ndarray, int]:
    """Mono int16 samples and the sample rate of any common WAV.

    Reads the RIFF chunks itself because streamed WAVs (OpenAI, many local
    servers) carry placeholder sizes (0xFFFFFFFF) that the `wave` module
    rejects; accepts 8/16/24/32-bit PCM, 32/64-bit float and extensible
    headers, and mixes stereo down to mono.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise OutputError("the speech backend returned audio that is not a WAV file")
    pos, fmt, pcm = 12, None, None
    while pos + 8 <= len(data):
        chunk_id, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        body = data[pos + 8 : pos + 8 + size]  # a placeholder size just runs to the end
        if chunk_id == b"fmt ":
            fmt = body
        elif chunk_id == b"data":
            pcm = body
            break
        pos += 8 + size + (size & 1)
    if fmt is None or len(fmt) < 16 or pcm is None:
        raise OutputError("the speech backend returned a WAV without a format or data chunk")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", fmt[:16])
    width = bits // 8
    if channels < 1 or rate < 1:
        raise OutputError("the speech backend returned a WAV with no channels or no sample rate")
    if tag == 0xFFFE and len(fmt) >= 26:  # WAVE_FORMAT_EXTENSIBLE: the real tag leads the sub-format GUID
        tag = struct.unpack("<H", fmt[24:26])[0]
    usable = len(pcm) - len(pcm) % (width * channels)
    pcm = pcm[:usable]
    if tag == 3 and width in (4, 8):
        audio = np.frombuffer(pcm, dtype=f"<f{width}").astype(np.float64)
    elif tag == 1 and width == 1:
        audio = (np.frombuffer(pcm, dtype=np.uint8).astype(np.float64) - 128) / 128
    elif tag == 1 and width == 2:
        audio = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768
    elif tag == 1 and width == 3:
        raw = np.frombuffer(pcm, dtype=np.uint8).reshape(-1, 3)
        ints = raw[:, 0].astype(np.int32) | raw[:, 1].astype(np.int32) << 8 | raw[:, 2].astype(np.int32) << 16
        audio = np.where(ints >= 1 << 23, ints - (1 << 24), ints).astype(np.float64) / (1 << 23)
    elif tag == 1 and width == 4:
        audio = np.frombuffer(pcm, dtype="<i4").astype(np.float64) / (1 << 31)
    else:
        raise OutputError(f"unsupported WAV encoding (format {tag}, {bits} bits)")
    if channels > 1:
        audio = audio.reshape(-1, channels).mean(axis=1)
    return float_to_pcm16(audio), rate


def float_to_pcm16(audio: np.ndarray) -> np.ndarray:
    return (np.clip(audio, -1.0, 1.0) * 32767).round().astype(np.int16)


def wav_duration(path: Path) -> float:
    """Seconds of audio in a WAV file (as written by the speech backends)."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def wav_info(path: Path) -> tuple[float, int]:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate(), wav.getframerate()


# --- rate and pitch in post ---------------------------------------------------


def _atempo_chain(factor: float) -> list[str]:
    """atempo takes 0.5..2 per instance on older ffmpeg builds: chain it."""
    steps = []
    while factor > 2.0:
        steps.append(2.0)
        factor /= 2.0
    while factor < 0.5:
        steps.append(0.5)
        factor /= 0.5
    steps.append(factor)
    return [f"atempo={s:.6f}" for s in steps]


def shift_pitch_and_tempo(
    samples: np.ndarray, sample_rate: int, semitones: float = 0.0, tempo: float = 1.0
) -> np.ndarray:
    """Raise or lower the pitch by `semitones` and speed up by `tempo`, keeping
    the sample rate; with tempo 1 the duration stays the same.

    Pitch: play the samples at a higher rate (asetrate: pitch and speed go up
    together), then stretch time back (atempo) and resample to the original
    rate. Formants move with the pitch, which is what tells characters apart
    who share one neural voice.
    """
    if abs(semitones) < 1e-3 and abs(tempo - 1.0) < 1e-3:
        return samples
    factor = 2.0 ** (semitones / 12.0)
    filters = []
    if abs(semitones) >= 1e-3:
        filters += [f"asetrate={sample_rate * factor:.3f}", f"aresample={sample_rate}"]
    filters += _atempo_chain(tempo / factor)
    what = "changing a voice's pitch"
    cmd = [
        ffmpeg_exe(what), "-hide_banner", "-loglevel", "error", "-nostdin",
        "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
        "-af", ",".join(filters), "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "pipe:1",
    ]  # fmt: skip
    shifted = run_ffmpeg(cmd, what, stdin=np.asarray(samples, dtype="<i2").tobytes())
    return np.frombuffer(shifted, dtype="<i2").copy()
