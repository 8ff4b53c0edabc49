"""Memory on the Chroma server (ROOM_CHROMA_URL): the setup for more than one writer."""

from __future__ import annotations

import pytest

import factories as f
from cli_helpers import room, run_id_of
from memory.lock import WriterLock

pytestmark = pytest.mark.integration


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
