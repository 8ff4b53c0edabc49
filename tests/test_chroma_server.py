"""Memory on the Chroma server (ROOM_CHROMA_URL): the setup for more than one writer."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

import factories as f
from cli_helpers import room, run_id_of
from memory.lock import WriterLock

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from chromadb.cli.cli import app; app()",
            "run",
            "--path",
            str(tmp_path / "chroma"),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            pytest.fail("the Chroma server did not start")
        yield url
    finally:
        server.kill()
        server.wait()


def test_room_keeps_its_memory_on_the_server(project, chroma_url):
    env = {"ROOM_CHROMA_URL": chroma_url}
    script = {"screenwriter": [f.pitch()], "cultural_consultant": [f.approve()], "director": [f.approve()]}
    with WriterLock(project):  # the server serialises writes: the project's file lock is not needed
        first = room(project, "run", "A disowned heiress returns as a CEO", script=script, env=env)
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    assert not (project / ".room" / "memory").exists()
    listing = room(project, "memory", "list", "--run", run_id, env=env)
    assert listing.stdout.count("critique") == 2 and "artifact screenwriter · pitch v1" in listing.stdout
