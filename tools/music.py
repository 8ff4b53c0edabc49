"""Music beds: the built-in generator's moods, and picking a bed from the person's own files.

The built-in bed is a soft chord pad with a breath of pink noise, in one of
three moods (tense, tender, triumphant), written as a WAV the episode's video
mixes under the dialogue (ducked under speech) and its timeline shows as its
own track. A person's music (room.toml `[music] source = "…"`, a file or a
folder) is used as it is: from a folder, the file named for the mood if there
is one, else one per episode in turn. The built-in bed carries the AIGC label
(`tools.wav_labels`), as every file in an AI-made episode does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from tools.errors import InputError
from tools.ffmpeg import ffmpeg_exe, run_ffmpeg
from tools.files import atomic_target
from tools.labels import PRODUCER
from tools.wav_labels import write_labelled_wav

Mood = Literal["tense", "tender", "triumphant"]
MOODS: tuple[Mood, ...] = ("tense", "tender", "triumphant")
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".ogg", ".flac", ".opus")
SAMPLE_RATE = 48000
GAIN = 0.4  # the pad's level in its file: the video mixes any bed at 0.3, so it sounds at 0.12, under speech

# per mood: the chord (Hz), the tremolo's rate (Hz) and depth, the noise's low-pass (Hz)
_PADS: dict[str, tuple[tuple[float, ...], float, float, int]] = {
    "tense": ((110.0, 130.81, 155.56), 2.0, 0.5, 500),  # A minor with a flat fifth, throbbing
    "tender": ((174.61, 220.0, 261.63), 0.12, 0.3, 700),  # F major, slow breath
    "triumphant": ((130.81, 196.0, 329.63), 0.5, 0.25, 1200),  # C major, open and bright
}


def write_bed(path: Path, seconds: float, mood: Mood) -> Path:
    """The built-in pad in `mood`, `seconds` long, as a stereo WAV at `path` (written atomically)."""
    chord, rate, depth, lowpass = _PADS[mood]
    length = f"{max(seconds, 0.1):.3f}"
    tones = ";".join(f"sine=f={f}:r={SAMPLE_RATE}:d={length}[p{i}]" for i, f in enumerate(chord))
    noise = f"anoisesrc=c=pink:r={SAMPLE_RATE}:a=0.05:d={length},lowpass=f={lowpass}[p{len(chord)}]"
    inputs = "".join(f"[p{i}]" for i in range(len(chord) + 1))
    graph = (
        f"{tones};{noise};{inputs}amix=inputs={len(chord) + 1}:normalize=0,"
        f"tremolo=f={rate}:d={depth},volume={GAIN},"
        f"aformat=sample_fmts=s16:sample_rates={SAMPLE_RATE}:channel_layouts=stereo[out]"
    )
    with atomic_target(path, suffix=".wav") as tmp:
        command = [ffmpeg_exe("music"), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
        run_ffmpeg(
            [*command, "-filter_complex", graph, "-map", "[out]", "-f", "wav", str(tmp)], "writing the music bed"
        )
        content_id = f"music:{mood}:{length}s"
        write_labelled_wav(Path(tmp), Path(tmp), content_id, [f"{PRODUCER} built-in pad"], "music")
    return Path(path)


def pick(source: Path, mood: Mood, episode: int) -> Path:
    """The person's bed for an episode: `source` itself when it is a file; from a folder, the file whose name says
    the mood, else the episode's turn among its audio files."""
    if source.is_file():
        return source
    found = sorted(p for p in source.glob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    if not found:
        raise InputError(f"no music in {source} (audio files: {', '.join(AUDIO_SUFFIXES)})")
    named = [p for p in found if mood in p.stem.lower()]
    return named[0] if named else found[(episode - 1) % len(found)]
