"""Voice: the customer speaks (text to speech), the trainee answers by microphone
(speech to text), and how the trainee speaks is measured (prosody).

Offline by default: pyttsx3 drives the system's voices (espeak-ng on Linux),
faster-whisper recognizes with a local model, and nothing is downloaded or sent
anywhere unless configuration says so (`config.py`).
"""

from .audio import AudioProblem, Clip, load_clip
from .config import SpeechUnavailable, VoiceConfig
from .prosody import measure
from .recognition import Heard, Recognizer, default_recognizer
from .speech import Delivery, Speaker, default_speaker, delivery_for

__all__ = [
    "AudioProblem", "Clip", "load_clip", "VoiceConfig", "measure", "Heard", "Recognizer",
    "SpeechUnavailable", "default_recognizer", "Delivery", "Speaker", "default_speaker", "delivery_for",
]
