"""Interface strings in Chinese and English (`content/ui.yaml`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

LANGUAGES = {"zh": "中文", "en": "English"}


@lru_cache(maxsize=1)
def _strings() -> dict[str, dict[str, str]]:
    with open(Path(__file__).parent / "content" / "ui.yaml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def t(key: str, lang: str = "zh", **values) -> str:
    """The string `key` in `lang` (Chinese when missing), with {values} filled."""
    entry = _strings().get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**values) if values else text
