"""Checkpoints in SQLite or Postgres: one setting, clear errors, a password that never shows, one driver per run."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import factories as f
from cli_helpers import room, run_id_of
from graphs.checkpoints import masked
from graphs.context import load_context
from graphs.errors import CheckpointsUnavailableError, RunBusyError, RunStateError
from graphs.runs import Runs
from servers import free_port
from tools.errors import ConfigError
from waiting import BIBLE_ROUND, PITCH_ROUND, at_pitch_gate, enqueue

PG = "postgresql://room@db.example:5432/room"


def test_the_checkpoints_setting_flag_over_file_over_env(project):
    assert load_context(project, env={}).checkpoints is None  # SQLite in the project
    env = {"ROOM_CHECKPOINTS": PG + "_env"}
    assert load_context(project, env=env).checkpoints == PG + "_env"
    (project / "room.toml").write_text(f'[room]\ncheckpoints = "{PG}_file"\n')
    assert load_context(project, env=env).checkpoints == PG + "_file"
    assert load_context(project, {"checkpoints": PG + "_flag"}, env=env).checkpoints == PG + "_flag"
    with pytest.raises(ConfigError, match="checkpoints must be a postgresql:// URL"):
        load_context(project, {"checkpoints": "mysql://db/room"}, env={})


def test_a_password_stays_out_of_the_project_file_and_out_of_sight(project):
    (project / "room.toml").write_text('[room]\ncheckpoints = "postgresql://room:sekrit@db/room"\n')
    with pytest.raises(ConfigError, match="holds a password") as refused:
        load_context(project, env={})
    assert "sekrit" not in str(refused.value)
    (project / "room.toml").unlink()
    ctx = load_context(project, env={"ROOM_CHECKPOINTS": "postgresql://room:sekrit@db:5432/room"})
    assert "sekrit" not in repr(ctx) and "sekrit" not in str(ctx)
    assert masked(ctx.checkpoints) == "postgresql://room:***@db:5432/room"
    assert masked("postgresql://room:sek@[::1/x") == "postgresql://…"  # unreadable: nothing of it shown


@pytest.mark.parametrize(
    "url, says",
    [
        ("postgresql://room:sekrit@127.0.0.1:{port}/room", "Connection refused"),
        ("postgresql://room:sekrit@127.0.0.1:notaport/room", 'invalid integer value "notaport"'),
        ("postgresql://room:sek rit@127.0.0.1/room", "unexpected spaces"),
    ],
)
def test_a_postgres_that_cannot_be_reached_is_one_line(make_ctx, postgres_extra, url, says):
    url = url.format(port=free_port())
    with pytest.raises(CheckpointsUnavailableError, match=says) as failed:
        Runs(make_ctx(checkpoints=url))
    message = str(failed.value)
    assert "\n" not in message and "sekrit" not in message and "sek rit" not in message
    assert message.startswith("the checkpoints at postgresql://room:***@127.0.0.1")


def test_a_wrong_password_is_refused_in_one_line(make_ctx, postgres):
    url = postgres.new_database().replace(postgres.password, "not-the-password")
    with pytest.raises(CheckpointsUnavailableError, match="password authentication failed") as failed:
        Runs(make_ctx(checkpoints=url))
    assert "not-the-password" not in str(failed.value)


def test_the_cli_says_so_with_the_config_exit_code(project, postgres_extra):
    url = f"postgresql://room:sekrit@127.0.0.1:{free_port()}/room"
    done = room(project, "status", env={"ROOM_CHECKPOINTS": url})
    assert done.returncode == 3 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().startswith("error: the checkpoints at postgresql://room:***@127.0.0.1:")
    assert len(done.stderr.strip().splitlines()) == 1 and "sekrit" not in done.stdout + done.stderr


def test_runs_are_listed_alike_on_both(script, make_ctx, checkpoints):
    ctx = make_ctx(checkpoints=checkpoints)
    first, first_id = at_pitch_gate(script, ctx)
    _, second_id = at_pitch_gate(script, ctx)
    assert first.run_ids() == [first_id, second_id] and first.latest() == second_id
    assert set(first.checkpoint_bytes(first_id)) == {0}


def test_one_process_drives_a_run_and_a_command_that_read_it_before_is_refused(script, make_ctx, checkpoints):
    ctx = make_ctx(checkpoints=checkpoints)
    runs, run_id = at_pitch_gate(script, ctx)
    other = Runs(ctx)  # as a second process would: its own connection and lock
    late = other.answer(run_id, "approve")  # read at the pitch gate, not yet on its way
    enqueue(script, BIBLE_ROUND)
    going = runs.answer(run_id, "approve")
    next(going)  # on its way: the bible is being negotiated, and the run looks stopped between steps
    assert other.view(run_id).state == "interrupted"
    with pytest.raises(RunBusyError, match=f"run {run_id} is being driven by another process"):
        list(other.resume(run_id))
    list(going)
    with pytest.raises(RunStateError, match="moved on since this command read it"):
        list(late)
    view = other.view(run_id)
    assert view.approved == {"pitch": 1} and view.waiting["gate"] == "bible"
    log = (ctx.outputs_dir / run_id / "decisions.jsonl").read_text().splitlines()
    assert [json.loads(line)["gate"] for line in log] == ["pitch"]
    other.close()


@pytest.mark.integration
def test_the_postgres_password_never_leaves_the_context(project, postgres):
    url = postgres.new_database()
    env = {"ROOM_CHECKPOINTS": url}
    outputs = [room(project, "run", "A disowned heiress returns as a CEO", script=PITCH_ROUND, env=env)]
    run_id = run_id_of(outputs[0].stdout)
    outputs.append(room(project, "approve", run_id, name="second", script=BIBLE_ROUND, env=env))
    outputs += [room(project, *args, env=env) for args in (("status",), ("status", run_id, "--json"))]
    outputs.append(room(project, "history", run_id, env=env))
    assert all(done.returncode == 0 for done in outputs), [done.stderr for done in outputs]
    assert json.loads(outputs[3].stdout)["waiting"]["gate"] == "bible"
    secret = postgres.password.encode()
    assert not [done.args for done in outputs if secret.decode() in done.stdout + done.stderr]
    files = [p for p in project.rglob("*") if p.is_file()]
    assert files and not [p for p in files if secret in p.read_bytes()]
    stored = postgres.stored_bytes(url)
    assert f.pitch()["title"].encode() in stored and secret not in stored  # the checkpoints are there, not it


def test_a_chat_change_waits_for_no_one_and_changes_nothing_while_another_drives(script, make_ctx, checkpoints):
    ctx = make_ctx(checkpoints=checkpoints)
    runs, run_id = at_pitch_gate(script, ctx)
    other = Runs(ctx)
    with runs.checkpoints.driving(run_id):  # as a process answering the gate holds it
        with pytest.raises(RunBusyError):
            other.update_artifact(run_id, "pitch", f.pitch("Changed in Chat"), "human")
    assert other.view(run_id).waiting["content"]["title"] == f.pitch()["title"]
    assert other.update_artifact(run_id, "pitch", f.pitch("Changed in Chat"), "human") == 2  # and once it is free
    assert runs.view(run_id).waiting["content"]["title"] == "Changed in Chat"
    other.close()


OPEN_ON_GO = """
import sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[4])
from graphs.checkpoints import PostgresCheckpoints
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.002)
PostgresCheckpoints(sys.argv[1]).close()
"""


@pytest.mark.integration
def test_processes_opening_a_new_postgres_database_at_once_all_open_it(tmp_path, postgres):
    root = str(Path(__file__).resolve().parent.parent)
    for attempt in range(2):  # each on a new database: the tables are made by whoever comes first
        url, go = postgres.new_database(), tmp_path / f"go{attempt}"
        ready = [tmp_path / f"ready{attempt}.{n}" for n in range(3)]
        opening = [
            subprocess.Popen([sys.executable, "-c", OPEN_ON_GO, url, str(r), str(go), root], stderr=subprocess.PIPE)
            for r in ready
        ]
        deadline = time.time() + 60
        while not all(r.exists() for r in ready):
            assert time.time() < deadline, "a process never got ready"
            time.sleep(0.02)
        go.touch()
        errors = [p.communicate(timeout=60)[1].decode() for p in opening]
        assert [p.returncode for p in opening] == [0] * 3, errors
