"""Storage load benchmark (run by bench/run; never a timed test).

N simulated trainees, each in its own thread, play full calls through the real
storage layer (Practice → CallStore: every turn is a committed transaction), on
SQLite and, when a URL is given, on PostgreSQL. Reports calls/s, p95 turn
latency including the commit, and the database size per 1,000 calls.

    .venv/bin/python bench/storage.py [--trainees 8] [--calls 10] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from trainer.lesson import default_library  # noqa: E402
from trainer.practice import Practice  # noqa: E402
from trainer.store import CallStore  # noqa: E402
from trainer.understanding import default_understanding  # noqa: E402

LESSONS = ["complainer", "expert", "legalistic", "rushed", "billing_dispute"]


def db_size(store: CallStore) -> int:
    """Bytes the database takes (SQLite after a WAL checkpoint)."""
    with store.engine.connect() as conn:
        if store.url.startswith("sqlite:///"):
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            return Path(store.url.removeprefix("sqlite:///")).stat().st_size
        return conn.execute(text("select pg_database_size(current_database())")).scalar()


def run(url: str, trainees: int, calls: int) -> str:
    store = CallStore(url)
    empty = db_size(store)
    lib = default_library()
    default_understanding()
    latencies: list[float] = []
    lock = threading.Lock()

    def trainee(k: int) -> None:
        mine = []
        for c in range(calls):
            lesson = lib.lesson(LESSONS[(k + c) % len(LESSONS)])
            p = Practice.start(lesson.id, user=f"bench-{k}", seed=c, store=store, library=lib)
            for line in lesson.model_call.turns:
                if p.ended:
                    break
                t0 = time.perf_counter()
                p.say(line)
                mine.append((time.perf_counter() - t0) * 1000)
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=trainee, args=(k,)) for k in range(trainees)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    total = trainees * calls
    latencies.sort()
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    size = db_size(store) - empty
    kind = url.split(":", 1)[0]
    return (f"{kind:22} {trainees} trainees x {calls} calls: {total / elapsed:6.1f} calls/s, "
            f"turn p50 {statistics.median(latencies):5.1f} ms, p95 {p95:5.1f} ms (with commit), "
            f"{size / total * 1000 / 1e6:6.1f} MB per 1,000 calls")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trainees", type=int, default=8)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--postgres", default=os.environ.get("TRAINER_TEST_POSTGRES_URL"))
    args = ap.parse_args()
    print(run(f"sqlite:///{tempfile.mkdtemp()}/bench.db", args.trainees, args.calls))
    if args.postgres:
        print(run(args.postgres, args.trainees, args.calls))
    else:
        print("postgresql: no URL (bench/run starts one with tests/postgres.sh)")


if __name__ == "__main__":
    main()
