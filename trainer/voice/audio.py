"""A recording as the trainer accepts it, or a clear reason why not.

The browser sends WAV (`st.audio_input`); the command line takes a WAV path.
Everything is checked before any engine sees it, so a bad file gets a message
and the call goes on: empty, not WAV, unreadable, too long, a sample rate no
microphone records at, or no sound in it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import soundfile as sf

MAX_SECONDS = 120.0  # one line of a call; a ten-minute recording is a mistake, not a turn
MAX_BYTES = 64 * 1024 * 1024
MIN_RATE, MAX_RATE = 8000, 192000
MIN_SECONDS = 0.3


class AudioProblem(ValueError):
    """A recording that cannot be used; `key` names the message (content/ui.yaml)."""

    def __init__(self, key: str, **values):
        self.key = key
        self.values = values
        super().__init__(f"{key} {values}" if values else key)

    def message(self, lang: str = "zh") -> str:
        from ..i18n import t

        return t(self.key, lang, **self.values)


@dataclass
class Clip:
    """Mono float samples in [-1, 1] at `rate` Hz."""

    samples: np.ndarray
    rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def wav_bytes(self) -> bytes:
        """16-bit PCM WAV, the form `speech_recognition.AudioFile` reads."""
        buf = io.BytesIO()
        sf.write(buf, self.samples, self.rate, subtype="PCM_16", format="WAV")
        return buf.getvalue()


def check_size(nbytes: int) -> None:
    """Refuse a recording by its size alone (before a file is read into memory)."""
    if nbytes > MAX_BYTES:
        # 32,000 bytes a second: 16-bit mono at 16 kHz, what the browser records
        raise AudioProblem("audio_too_long", seconds=int(nbytes / 32000), limit=int(MAX_SECONDS))


def load_clip(data: bytes) -> Clip:
    """The recording in `data` (WAV bytes), or AudioProblem."""
    if not data:
        raise AudioProblem("audio_empty")
    check_size(len(data))
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RIFX", b"RF64") or data[8:12] != b"WAVE":
        raise AudioProblem("audio_not_wav")
    try:
        info = sf.info(io.BytesIO(data))
    except Exception:  # soundfile raises its own error types for every kind of damage
        raise AudioProblem("audio_unreadable") from None
    if not MIN_RATE <= info.samplerate <= MAX_RATE:
        raise AudioProblem("audio_bad_rate", rate=info.samplerate, low=MIN_RATE, high=MAX_RATE)
    if info.duration > MAX_SECONDS:
        raise AudioProblem("audio_too_long", seconds=int(info.duration), limit=int(MAX_SECONDS))
    try:
        samples, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception:
        raise AudioProblem("audio_unreadable") from None
    mono = samples.mean(axis=1) if samples.shape[1] > 1 else samples[:, 0]
    if len(mono) / rate < MIN_SECONDS:
        raise AudioProblem("audio_too_short")
    if not np.isfinite(mono).all():
        raise AudioProblem("audio_unreadable")
    return Clip(np.ascontiguousarray(mono, dtype=np.float32), int(rate))
