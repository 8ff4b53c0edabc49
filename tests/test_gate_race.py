"""Two processes answer one gate at the same moment: one answer goes through, the other is refused in one line.

The memory is on a Chroma server, as for several writers, so no project
writer lock keeps the two apart: only the run's own driver lock does.
"""

from __future__ import annotations

import json
import time

import pytest

from cli_helpers import room, run_id_of, spawn
from waiting import BIBLE_ROUND, PITCH_ROUND

pytestmark = pytest.mark.integration


def test_a_gate_two_processes_answer_at_once_is_answered_once(project, chroma_url, checkpoints_env):
    env = {"ROOM_CHROMA_URL": chroma_url, **checkpoints_env}
    first = room(project, "run", "A disowned heiress returns as a CEO", script=PITCH_ROUND, env=env)
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    go = project.parent / "go"
    ready = [project.parent / f"ready.{n}" for n in range(2)]
    racers = [
        spawn(
            project,
            "approve",
            run_id,
            script=BIBLE_ROUND,
            name=f"racer{n}",
            env={**env, "ROOM_TEST_GO": str(go), "ROOM_TEST_READY": str(ready[n])},
        )
        for n in range(2)
    ]
    deadline = time.time() + 120
    while not all(r.exists() for r in ready):  # both have read nothing yet, and answer the moment `go` exists
        assert time.time() < deadline and all(p.poll() is None for p in racers), "a racer never got ready"
        time.sleep(0.05)
    go.touch()
    done = [p.communicate(timeout=120) for p in racers]
    codes = sorted(p.returncode for p in racers)
    assert codes == [0, 5], done
    refused = next(err for p, (_, err) in zip(racers, done) if p.returncode == 5)
    assert len(refused.strip().splitlines()) == 1 and refused.startswith(f"error: run {run_id} "), refused
    assert "Traceback" not in refused
    decisions = (project / "outputs" / run_id / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(line)["gate"] for line in decisions] == ["pitch"]
    status = json.loads(room(project, "status", run_id, "--json", env=env).stdout)
    assert status["approved"] == {"pitch": 1} and status["waiting"]["gate"] == "bible"
    calls = [json.loads(line)["stage"] for line in (project / ".room" / "ledger.jsonl").read_text().splitlines()]
    assert calls.count("bible") == 3  # one bible was negotiated (its draft and two reviews), not two
