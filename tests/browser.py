"""The studio in a real browser: `room studio` in a subprocess on the scripted model, and headless Chromium.

Chromium comes from Debian's packages (`.ci/run` installs it), driven by
Playwright through `executable_path` (Playwright's own browser download is
never used). Without it the browser tests skip, unless ROOM_TEST_BROWSER=1
(CI) asks for them, when they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cli_helpers import scripted_env
from killing import FAST
from servers import free_port

HERE = Path(__file__).resolve().parent
BROWSER_TESTS = os.environ.get("ROOM_TEST_BROWSER", "")
TOKEN = "browser-test-token"


def chromium_path() -> str:
    """Debian's chromium, or a skip (a failure when ROOM_TEST_BROWSER=1)."""
    found = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
    if found is None:
        missing = "Chromium is not installed (apt-get install -y chromium)"
        if BROWSER_TESTS == "1":
            pytest.fail(f"{missing}, and ROOM_TEST_BROWSER=1 asks for the browser tests")
        pytest.skip(f"{missing}: the browser tests are skipped")
    return found


@contextmanager
def studio_server(project: Path, extra: dict | None = None, host: str = "127.0.0.1") -> Iterator[str]:
    """`room studio` for `project` on the scripted model (replies made for each request's schema); its URL."""
    port = free_port()
    log = project.parent / "studio.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "room_scripted.py"),
                "-C",
                str(project),
                "studio",
                "--host",
                host,
                "--port",
                str(port),
            ],
            env=scripted_env(project, {}, extra={**FAST, "ROOM_STUDIO_TOKEN": TOKEN, **(extra or {})}),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/static/studio.css", timeout=2)
            except urllib.error.HTTPError:  # 401: it answers
                break
            except OSError:
                assert server.poll() is None, f"the studio exited: {log.read_text()}"
                assert time.monotonic() < deadline, f"the studio did not answer: {log.read_text()}"
                time.sleep(0.1)
        yield url
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
