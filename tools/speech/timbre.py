"""A voice's timbre changed apart from its pitch: Praat's "Change gender" (through parselmouth).

One neural voice can speak for a whole cast only if its characters sound like
different people. Shifting the pitch by resampling (`base.shift_pitch_and_tempo`)
moves the formants with it, so a woman played by a man's voice sounds like
him sped up. Here the formants (the length of the vocal tract), the pitch and
how far the pitch moves (a flat or a lively delivery) are set each on its own,
and the duration is kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .base import float_to_pcm16

PITCH_FLOOR, PITCH_CEILING = 60.0, 600.0  # Hz: what Praat looks for a voice's pitch between


@dataclass(frozen=True)
class Timbre:
    formants: float = 1.0  # formant frequencies times this (above 1: a shorter vocal tract, a lighter voice)
    semitones: float = 0.0  # the median pitch moved by this many semitones
    contour: float = 1.0  # the pitch's movement around its median times this (below 1: flatter)

    def shifted(self, semitones: float) -> Timbre:
        return Timbre(self.formants, self.semitones + semitones, self.contour)


def change_timbre(samples: np.ndarray, sample_rate: int, timbre: Timbre) -> np.ndarray:
    """16-bit mono `samples` spoken with `timbre`, as long as before.

    A sound without a voiced frame (a breath, a hiss) keeps its pitch: only
    its formants move. One too short for Praat to look for a pitch in (three
    periods of the lowest) is left as it is.
    """
    if len(samples) < 3.5 * sample_rate / PITCH_FLOOR:
        return samples
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(samples, dtype=np.float64) / 32768.0, float(sample_rate))
    pitch = sound.to_pitch(pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING).selected_array["frequency"]
    voiced = pitch[pitch > 0]
    median = float(np.median(voiced)) * 2.0 ** (timbre.semitones / 12.0) if voiced.size else 0.0
    changed = call(sound, "Change gender", PITCH_FLOOR, PITCH_CEILING, timbre.formants, median, timbre.contour, 1.0)
    out = float_to_pcm16(changed.values[0])
    return out[: len(samples)] if len(out) > len(samples) else np.pad(out, (0, len(samples) - len(out)))
