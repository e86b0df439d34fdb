"""How a line was spoken (seed 003: 语速适中, 音调富于变化, 不高声讲话, 不淡漠).

From the trainee's recording and what was recognized in it:

- `seconds`: the recording's length.
- `speech_ratio`: the share of it with speech (10 ms frames within 30 dB of the
  loudest and above -55 dBFS).
- `speech_rate`: spoken characters per second of speech (pauses excluded).
- `loudness`: the RMS level of the speech frames in dBFS (0 = full scale).
- `pitch_variation`: the standard deviation of the voice's pitch in semitones
  around its median, from Praat's autocorrelation pitch track (parselmouth);
  a monotone voice stays under about 1.5, lively speech reaches 3 or more.

Values are rounded so the same recording always stores the same numbers.
"""

from __future__ import annotations

import re

import numpy as np
import parselmouth

from .audio import AudioProblem, Clip

FRAME, HOP = 0.03, 0.01
FLOOR_DB = -55.0   # quieter than this is room noise, whatever the recording's level
RANGE_DB = 30.0    # speech frames are within this of the loudest frame
MIN_VOICED = 0.15  # seconds of voiced sound below which nobody spoke
PITCH_FLOOR, PITCH_CEILING = 75.0, 500.0

_UNIT = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[0-9]|[A-Za-z]+")


def spoken_units(text: str) -> int:
    """Syllables, roughly: each Chinese character or digit, each Latin word."""
    return len(_UNIT.findall(text or ""))


def _frame_db(x: np.ndarray, rate: int) -> np.ndarray:
    n, h = max(1, int(FRAME * rate)), max(1, int(HOP * rate))
    if len(x) < n:
        x = np.pad(x, (0, n - len(x)))
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::h]
    power = np.mean(frames.astype(np.float64) ** 2, axis=1)
    return 10 * np.log10(np.maximum(power, 1e-12))


def _voiced_pitch(clip: Clip) -> np.ndarray:
    snd = parselmouth.Sound(clip.samples.astype(np.float64), sampling_frequency=clip.rate)
    pitch = snd.to_pitch_ac(time_step=HOP, pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
    f0 = pitch.selected_array["frequency"]
    return f0[f0 > 0]


class Prosody:
    """What the recording shows before anyone knows the words; `metrics(text)` adds the rate."""

    def __init__(self, clip: Clip):
        db = _frame_db(clip.samples, clip.rate)
        loudest = float(db.max())
        active = db > max(FLOOR_DB, loudest - RANGE_DB)
        f0 = _voiced_pitch(clip) if loudest > FLOOR_DB else np.array([])
        if loudest <= FLOOR_DB or len(f0) * HOP < MIN_VOICED:
            raise AudioProblem("audio_silent")
        self.seconds = clip.seconds
        self.speech_seconds = max(float(active.sum()) * HOP, HOP)
        self.loudness = float(10 * np.log10(np.mean(10 ** (db[active] / 10))))
        self.pitch_variation = float(np.std(12 * np.log2(f0 / np.median(f0))))

    def metrics(self, text: str) -> dict[str, float]:
        return {
            "seconds": round(self.seconds, 2),
            "speech_ratio": round(min(1.0, self.speech_seconds / self.seconds), 2),
            "speech_rate": round(spoken_units(text) / self.speech_seconds, 2),
            "loudness": round(self.loudness, 1),
            "pitch_variation": round(self.pitch_variation, 2),
        }


def measure(clip: Clip, text: str = "") -> dict[str, float]:
    """The prosody of `clip` spoken as `text`; AudioProblem('audio_silent') when nobody speaks."""
    return Prosody(clip).metrics(text)
