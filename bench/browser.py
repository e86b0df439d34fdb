"""Browser benchmarks (run by bench/run; never a timed test).

1. Latency: time from pressing Enter in the chat box to the customer's reply in
   the DOM, median and p95 over 20 turns, in Debian's chromium.
2. Capacity: N trainees play calls at once in one app process (N browser
   pages); the largest N whose p95 reply stays under 300 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from playwright.async_api import async_playwright  # noqa: E402

from browser import CHROMIUM, CHROMIUM_ARGS, app_server, sign_in_token  # noqa: E402
from trainer.lesson import default_library  # noqa: E402

LINES = default_library().lesson("complainer").model_call.turns[:6]
GOAL_MS = 300


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * (len(values) - 1) + 0.5))]


async def play(browser, url: str, turns: int) -> list[float]:
    url = f"{url}/?t={sign_in_token(DATA)}"
    """One trainee: open the lesson, answer, say lines until `turns` replies were timed."""
    page = await browser.new_page(viewport={"width": 1280, "height": 900})
    times: list[float] = []
    try:
        while len(times) < turns:
            await page.goto(url)
            await page.locator(".st-key-open-complainer button").click()
            await page.locator(".st-key-start button").click()
            await page.locator(".st-key-pickup button").click()
            box = page.locator('[data-testid="stChatInputTextArea"]')
            for line in LINES:
                if len(times) >= turns:
                    break
                msgs = page.locator('[data-testid="stChatMessage"]')
                before = await msgs.count()
                await box.fill(line)
                start = time.perf_counter()
                await box.press("Enter")
                await msgs.nth(before + 1).wait_for(timeout=60_000)
                times.append((time.perf_counter() - start) * 1000)
    finally:
        await page.close()
    return times


DATA = Path(tempfile.mkdtemp())


async def main() -> None:
    with app_server(DATA) as url:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            await play(browser, url, 2)  # warm up: first load, the learned matcher
            one = await play(browser, url, 20)
            print(f"Enter -> customer's reply in the DOM, 20 turns, one trainee: "
                  f"median {statistics.median(one):.0f} ms, p95 {pct(one, 0.95):.0f} ms")
            best = 0
            for n in (1, 2, 4, 6, 8, 12, 16):
                results = await asyncio.gather(*(play(browser, url, 6) for _ in range(n)))
                times = [t for r in results for t in r]
                p95 = pct(times, 0.95)
                print(f"  {n:2d} concurrent trainees: median {statistics.median(times):4.0f} ms, p95 {p95:4.0f} ms")
                if p95 < GOAL_MS:
                    best = n
                else:
                    break
            print(f"concurrent trainees served with p95 reply under {GOAL_MS} ms by one app process: {best}"
                  f"{' or more' if best == 16 else ''} (browsers and server share this machine's 2 cores)")
            await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
