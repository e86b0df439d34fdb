"""Helpers for driving the real app in Debian's chromium (tests and bench)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(data_dir: Path, timeout: float = 60):
    """The app started as `make run` starts it, on a free loopback port."""
    port = free_port()
    env = {**os.environ, "TRAINER_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "trainer" / "app" / "main.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"the app did not start:\n{out}")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def sign_in_token(data_dir: Path, name: str = "学员甲") -> str:
    """An account and a login token in the app's database (as signing in would make)."""
    from trainer.accounts import create_user, open_login
    from trainer.store import CallStore

    store = CallStore(f"sqlite:///{Path(data_dir).resolve() / 'trainer.db'}")
    try:
        create_user(name, "password1", store=store)
    except ValueError:
        pass
    return open_login(name, store=store)


def launch(playwright, *extra_args: str):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra_args))


class CallPage:
    """The call screen as a trainee uses it."""

    def __init__(self, page, url: str, token: str):
        self.page = page
        self.url = url
        self.token = token

    def open_lesson(self, lesson_id: str) -> None:
        self.page.goto(f"{self.url}/?t={self.token}")  # signed in; the lessons page is the default page
        self.page.locator(f".st-key-open-{lesson_id} button").click()
        self.page.locator(".st-key-start button").click()
        self.page.locator(".st-key-pickup button").click()
        self.page.locator('[data-testid="stChatInputTextArea"]').wait_for()

    def messages(self):
        return self.page.locator('[data-testid="stChatMessage"]')

    def say(self, line: str, timeout: float = 30_000) -> float:
        """Type a line and press Enter; returns ms until the customer's reply is in the DOM."""
        before = self.messages().count()
        box = self.page.locator('[data-testid="stChatInputTextArea"]')
        box.fill(line)
        start = time.perf_counter()
        box.press("Enter")
        self.messages().nth(before + 1).wait_for(timeout=timeout)
        return (time.perf_counter() - start) * 1000
