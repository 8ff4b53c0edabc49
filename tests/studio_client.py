"""The studio in this process, on the scripted model: an HTTP client signed in as the browser would be."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from cli.studio.app import create_app
from cli.studio.control import Control
from cli.studio.security import COOKIE, CSRF_FIELD, csrf_token
from graphs.runs import Runs

TOKEN = "test-token"
CSRF = csrf_token(TOKEN)


def studio_client(runs: Runs) -> tuple[TestClient, Control]:
    """A client of a studio on `runs`, with the token's cookie (as after the first visit)."""
    control = Control(runs)
    client = TestClient(create_app(control, TOKEN), base_url="http://127.0.0.1:8765")
    client.cookies.set(COOKIE, TOKEN)
    return client, control


def post(client: TestClient, url: str, data: dict | None = None, **kwargs):
    """A POST as the studio's own forms send it (with the CSRF field)."""
    return client.post(url, data={CSRF_FIELD: CSRF, **(data or {})}, follow_redirects=False, **kwargs)


def settle(control: Control, run_id: str, timeout: float = 120) -> None:
    """Wait until the studio no longer drives the run."""
    deadline = time.monotonic() + timeout
    while control.busy(run_id):
        assert time.monotonic() < deadline, f"run {run_id} still working after {timeout} s"
        time.sleep(0.05)
