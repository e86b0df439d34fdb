"""Real audio for the voice tests: espeak-ng speaking as a trainee, and plain signals."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

import numpy as np
import parselmouth
import soundfile as sf
import yaml

from conftest import ROOT
from trainer.voice.speech import Delivery, Speaker

# a trainee's voice: espeak-ng's female Mandarin (pinyin) voice, a little slower than its default
TRAINEE = Delivery(gender="female", rate=125, volume=0.9)


@lru_cache(maxsize=1)
def trainee_speaker() -> Speaker:
    import tempfile

    return Speaker(cache_dir=Path(tempfile.mkdtemp(prefix="trainee-voice-")))


def spoken(text: str, delivery: Delivery = TRAINEE) -> bytes:
    """`text` spoken by espeak-ng (through pyttsx3), as WAV bytes."""
    return trainee_speaker().audio(text, delivery)


def voice_lines() -> list[dict]:
    with open(ROOT / "tests" / "data" / "voice_lines.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)["lines"]


def wav(samples: np.ndarray, rate: int, subtype: str = "PCM_16") -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, subtype=subtype, format="WAV")
    return buf.getvalue()


def read(data: bytes) -> tuple[np.ndarray, int]:
    x, rate = sf.read(io.BytesIO(data), dtype="float32")
    return x, rate


def faster(data: bytes, factor: float = 0.7) -> bytes:
    """The same speech, `1/factor` times as fast, pitch kept (Praat's overlap-add)."""
    x, rate = read(data)
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=rate)
    out = parselmouth.praat.call(snd, "Lengthen (overlap-add)", 75, 600, factor)
    return wav(out.values[0], int(out.sampling_frequency))


def louder(data: bytes, db: float = 6.0) -> bytes:
    x, rate = read(data)
    return wav(np.clip(x * 10 ** (db / 20), -1, 1), rate)


def tone(seconds: float = 2.0, hz: float = 180.0, rate: int = 16000, level: float = 0.3) -> bytes:
    """A flat synthetic tone with a speech-like on/off envelope: voiced, but monotone."""
    t = np.arange(int(seconds * rate)) / rate
    envelope = (np.sin(2 * np.pi * 2.5 * t) > -0.3).astype(float)
    harmonics = sum(np.sin(2 * np.pi * hz * k * t) / k for k in range(1, 6))
    return wav(level * envelope * harmonics / 2.3, rate)
