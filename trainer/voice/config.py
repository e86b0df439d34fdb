"""Voice configuration, read from the environment (see README "Configuration").

    TRAINER_TTS             pyttsx3 (default) | off
    TRAINER_TTS_DRIVER      a pyttsx3 driver (espeak, sapi5, nsss); default: the platform's
    TRAINER_STT             whisper (default) | vosk | google | off
    TRAINER_WHISPER_MODEL   a model size (base, small, ...) or a CTranslate2 model directory
    TRAINER_WHISPER_DOWNLOAD  1 lets faster-whisper download a named size from Hugging Face
    TRAINER_WHISPER_THREADS CPU threads for recognition (default 2)
    TRAINER_VOSK_MODEL      an unpacked Vosk model directory (for TRAINER_STT=vosk)
    TRAINER_STT_LANGUAGE    zh (default)
    TRAINER_AUDIO_CACHE     where synthesized customer lines are kept (default data/audio-cache)
    TRAINER_MODELS_DIR      where the bundled model is unpacked (default data/models)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "data"

TTS_ENGINES = ("pyttsx3", "off")
STT_ENGINES = ("whisper", "vosk", "google", "off")


CONTENT = Path(__file__).resolve().parent.parent / "content" / "voice.yaml"


@lru_cache(maxsize=1)
def voice_content() -> dict:
    """content/voice.yaml: mood -> delivery rules and the recognizer's prompt and options."""
    with open(CONTENT, encoding="utf-8") as f:
        return yaml.safe_load(f)


class SpeechUnavailable(RuntimeError):
    """A voice engine is off or missing (no espeak-ng, no model); the message says what to do."""


def data_dir() -> Path:
    return Path(os.environ.get("TRAINER_DATA_DIR") or DATA_DIR)


@dataclass(frozen=True)
class VoiceConfig:
    tts: str = "pyttsx3"
    tts_driver: str | None = None
    stt: str = "whisper"
    whisper_model: str = "base"
    whisper_download: bool = False
    whisper_threads: int = 2
    vosk_model: str | None = None
    language: str = "zh"
    audio_cache: Path = DATA_DIR / "audio-cache"
    models_dir: Path = DATA_DIR / "models"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "VoiceConfig":
        env = os.environ if env is None else env
        tts = (env.get("TRAINER_TTS") or "pyttsx3").strip().lower()
        stt = (env.get("TRAINER_STT") or "whisper").strip().lower()
        if tts not in TTS_ENGINES:
            raise ValueError(f"TRAINER_TTS={tts!r}: use one of {', '.join(TTS_ENGINES)}")
        if stt not in STT_ENGINES:
            raise ValueError(f"TRAINER_STT={stt!r}: use one of {', '.join(STT_ENGINES)}")
        base = Path(env.get("TRAINER_DATA_DIR") or DATA_DIR)
        return cls(
            tts=tts,
            tts_driver=env.get("TRAINER_TTS_DRIVER") or None,
            stt=stt,
            whisper_model=(env.get("TRAINER_WHISPER_MODEL") or "base").strip(),
            whisper_download=env.get("TRAINER_WHISPER_DOWNLOAD", "") in ("1", "true", "yes"),
            whisper_threads=max(1, int(env.get("TRAINER_WHISPER_THREADS") or 2)),
            vosk_model=env.get("TRAINER_VOSK_MODEL") or None,
            language=(env.get("TRAINER_STT_LANGUAGE") or "zh").strip(),
            audio_cache=Path(env.get("TRAINER_AUDIO_CACHE") or base / "audio-cache"),
            models_dir=Path(env.get("TRAINER_MODELS_DIR") or base / "models"),
        )
