"""Where practice calls are kept between turns, reloads and restarts.

Until the database lands (the storage issue), calls are JSON files in a data
directory (`TRAINER_DATA_DIR`, default `data/`), one per call, written
atomically after every turn. The interface — save, load, list — is what the
database store will keep.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_ID = re.compile(r"^[A-Za-z0-9_-]{6,40}$")


class CallStore:
    def __init__(self, directory: str | Path):
        self.dir = Path(directory) / "calls"
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, call_id: str) -> Path:
        if not _ID.match(call_id or ""):
            raise KeyError(call_id)  # never a path from a URL
        return self.dir / f"{call_id}.json"

    def save(self, call_id: str, record: dict) -> None:
        path = self._path(call_id)
        fd, tmp = tempfile.mkstemp(dir=self.dir, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        os.replace(tmp, path)  # a crash mid-write leaves the previous turn, never half a file

    def load(self, call_id: str) -> dict:
        path = self._path(call_id)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyError(call_id) from None

    def list(self, user: str | None = None) -> list[dict]:
        """Summaries of the stored calls, oldest first (optionally one user's)."""
        rows = []
        for path in self.dir.glob("*.json"):
            try:
                d = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if user is None or d.get("user") == user:
                rows.append({k: d.get(k) for k in (
                    "call_id", "user", "lesson", "persona", "mode", "started", "ended_at", "score", "passed", "items")}
                    | {"outcome": d.get("call", {}).get("outcome"), "turns": len(d.get("call", {}).get("turns", []))})
        return sorted(rows, key=lambda r: (r["started"] or 0, r["call_id"]))


@lru_cache(maxsize=None)
def default_store() -> CallStore:
    return CallStore(os.environ.get("TRAINER_DATA_DIR") or DATA_DIR)
