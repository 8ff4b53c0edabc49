"""`room studio` as a process: its URL, the writer it is, its refusals, and Ctrl-C leaving runs resumable."""

from __future__ import annotations

import json
import socket
import time
import urllib.request

import pytest

from browser import TOKEN, studio_server
from cli.studio.security import CSRF_FIELD, csrf_token
from cli_helpers import room

pytestmark = pytest.mark.integration


def fetch(url: str, data: dict | None = None) -> tuple[int, str]:
    body = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in data.items()).encode() if data else None
    request = urllib.request.Request(url, data=body, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def start(url: str, premise: str, **fields) -> str:
    """A run started through the studio's form; its id."""
    form = {CSRF_FIELD: csrf_token(TOKEN), "premise": premise, "lang": "en", "episodes": 1, **fields}
    request = urllib.request.Request(f"{url}/runs", data=urllib.parse.urlencode(form, doseq=True).encode())
    request.add_header("Authorization", f"Bearer {TOKEN}")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as exc:
        assert exc.code == 303, exc.read().decode()
        return exc.headers["location"].rsplit("/", 1)[1]
    raise AssertionError("a start is answered with a redirect to the run")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def status_of(project, run_id: str) -> dict:
    out = room(project, "status", run_id, "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_the_studio_is_the_projects_writer_and_the_cli_still_reads(project):
    with studio_server(project) as url:
        run_id = start(url, "A lighthouse keeper's daughter hears ships that sank a century ago")
        deadline = time.monotonic() + 120
        while status_of(project, run_id)["state"] != "waiting":
            assert time.monotonic() < deadline
            time.sleep(0.5)
        refused = room(project, "approve", run_id)
        assert refused.returncode == 7 and "writing to" in refused.stderr and "Traceback" not in refused.stderr
        assert status_of(project, run_id)["waiting"]["gate"] == "pitch"  # nothing answered


def test_ctrl_c_stops_the_studio_and_its_runs_stay_resumable(project):
    with studio_server(project) as url:
        run_id = start(url, "二十年后，被拐的儿子成了寻亲节目的主持人", auto="all")
        time.sleep(3)  # working
    view = status_of(project, run_id)
    assert view["state"] == "interrupted" and view["failed"] is None  # stopped between steps, not failed
    resumed = room(
        project,
        "resume",
        run_id,
        env={"ROOM_RENDER": "tiny", "ROOM_SPEECH": "espeak", "ROOM_TEST_RESPONDER": "1"},
        timeout=400,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert status_of(project, run_id)["state"] == "finished"


def test_a_port_in_use_is_one_line(project):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        out = room(project, "studio", "--port", str(taken.getsockname()[1]))
    assert out.returncode == 6 and "in use" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_listening_beyond_this_machine_warns_and_still_needs_the_token(project):
    with studio_server(project, extra={}, host="0.0.0.0") as url:
        assert fetch(url)[0] == 200
        request = urllib.request.Request(url + "/")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401
    log = (project.parent / "studio.log").read_text()
    assert "warning" in log and "0.0.0.0" in log and f"token={TOKEN}" in log
