"""Memory on the Chroma server (ROOM_CHROMA_URL): the setup for more than one writer."""

from __future__ import annotations

import pytest

import factories as f
from cli_helpers import room, run_id_of
from memory import Kind, MemoryRecord, RoomMemory, Status
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


def test_a_project_never_reaches_another_projects_memory(tmp_path, chroma_url):
    """Two projects on one server, with the same run id: B tries every public way to A's records and finds none."""
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a_dir.mkdir(), b_dir.mkdir()
    secret = MemoryRecord(
        kind=Kind.CHARACTER, text="Lin Wan is a divorce lawyer.", role="writer", run_id="run1", artifact="bible"
    )
    with RoomMemory.open(a_dir, chroma_url=chroma_url) as a:
        a.put(secret)
    with RoomMemory.open(b_dir, chroma_url=chroma_url) as b:
        b.put(MemoryRecord(kind=Kind.NOTE, text="The rain never stops.", role="human", run_id="run2", artifact="pitch"))
        assert b.get(secret.id) is None
        assert b.count() == 1 and b.count("run1") == 0
        assert [r.run_id for r in b.list()] == ["run2"] and b.list(run_id="run1") == []
        assert [h.record.run_id for h in b.search("divorce lawyer")] == ["run2"]
        assert b.search("divorce lawyer", run_id="run1") == []
        assert b.recall("divorce lawyer", run_id="run1") == []
        assert b.set_status("run1", "bible", 0, Status.REJECTED) == 0
        b.put(secret.model_copy(update={"text": "B's own record, with A's provenance"}))  # the same id, in B
        assert b.get(secret.id).text == "B's own record, with A's provenance"
    env = {"ROOM_CHROMA_URL": chroma_url}
    assert "Lin Wan" not in room(b_dir, "memory", "list", env=env).stdout
    assert "Lin Wan" not in room(b_dir, "memory", "search", "divorce lawyer", env=env).stdout
    shown = room(a_dir, "memory", "search", "divorce lawyer", env=env)
    assert "Lin Wan is a divorce lawyer." in shown.stdout, shown.stderr
    moved = tmp_path / "a-moved"
    a_dir.rename(moved)  # the project keeps its id, so its memory, wherever its folder goes
    with RoomMemory.open(moved, chroma_url=chroma_url) as a:
        assert a.get(secret.id) == secret and a.count() == 1
