"""The usage page in a real browser: headless Chromium loads it from a running server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

from segue.usage import UsageRecorder
from segue_apps.demo import build

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KEY_A = "as_live_AAAAaaaa" + "a" * 32
KEY_B = "as_live_BBBBbbbb" + "b" * 32


class Clock:
    """A clock the test moves while the server (in another thread) reads it."""

    def __init__(self) -> None:
        self.now = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def running(app: UsageRecorder) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not start in 10 s"
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_page_shows_callers_and_one_series_per_version(tmp_path: Path) -> None:
    """Chromium renders v1's callers as rows and a polyline per version, a point per hour."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    clock = Clock()
    recorder = UsageRecorder(
        build(clock=clock), db_url=f"sqlite+aiosqlite:///{tmp_path}/usage.db", clock=clock
    )
    with running(recorder) as base, httpx.Client(base_url=base) as client:
        a, b = {"Authorization": f"Bearer {KEY_A}"}, {"Authorization": f"Bearer {KEY_B}"}
        for _ in range(3):
            client.get("/v1/widgets", headers=a)
        client.get("/api/v2/widgets", headers=b)
        clock.now += timedelta(hours=1)
        client.get("/v1/widgets/w9", headers=b)
        for _ in range(4):
            client.get("/api/v2/widgets", headers=a)
        clock.now += timedelta(hours=1)
        client.get("/api/v2/widgets", headers=b)
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{base}/_segue/usage")
                rows = page.locator('table.callers[data-version="v1"] tr').all_inner_texts()
                series = page.locator("#usage-chart polyline.series")
                versions = [series.nth(i).get_attribute("data-version") for i in range(2)]
                points = [
                    len((series.nth(i).get_attribute("points") or "").split()) for i in range(2)
                ]
                v2_dots = page.locator('#usage-chart circle.point[data-version="v2"]').count()
                v1_dots = page.locator('#usage-chart circle.point[data-version="v1"]').count()
                assert series.count() == 2
            finally:
                browser.close()
    cells = [row.split("\t") for row in rows]
    assert cells == [
        ["Key", "Route", "Calls", "Errors", "Last seen"],
        [KEY_A[:12], "GET /widgets", "3", "0", "2026-06-01 09:30 UTC"],
        [KEY_B[:12], "GET /widgets/{widget_id}", "1", "1", "2026-06-01 10:30 UTC"],
    ]
    assert versions == ["v2", "v1"]
    assert points == [3, 3]  # 09:00, 10:00 and 11:00 for both
    assert (v2_dots, v1_dots) == (3, 2)  # v1 had no call at 11:00
