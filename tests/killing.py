"""Kill a run with SIGKILL at random moments, resume it each time, and compare it with a run left alone.

Used by tests/test_kill_resume.py (a few kills) and bench/kill_resume.py (20).
Both runs are the real `room` CLI in subprocesses on the scripted model, with
every reply made for the schema asked (so a repeated call finds its reply),
producing real episodes at the tiny render size.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from cli_helpers import scripted_env

HERE = Path(__file__).resolve().parent
PREMISE = "A disowned heiress returns as a CEO"
FAST = {"ROOM_RENDER": "tiny", "ROOM_SPEECH": "espeak", "ROOM_TEST_RESPONDER": "1"}


def _command(project: Path, *args: str) -> list[str]:
    return [sys.executable, str(HERE / "room_scripted.py"), "-C", str(project), *args]


def _start(project: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        _command(project, *args),
        env=scripted_env(project, {}, extra=FAST),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_args(episodes: int) -> list[str]:
    return ["run", PREMISE, "--episodes", str(episodes), "--auto-approve", "--round-limit", "1"]


@dataclass
class Outcome:
    """What a run left behind, as compared between a run left alone and one killed and resumed."""

    run_id: str
    seconds: float
    files: set[str]
    decisions: list[tuple]
    memory: Counter
    calls: Counter  # (role, stage) -> model calls in the ledger
    prompt_tokens: int
    leftovers: list[str] = field(default_factory=list)  # half-written files left in the project
    kills: int = 0
    orphans: int = 0  # child processes (ffmpeg) still alive after a kill


def _memory(project: Path, run_id: str) -> Counter:
    listing = subprocess.run(
        _command(project, "memory", "list", "--run", run_id, "--limit", "100000"),
        env=scripted_env(project, {}, extra=FAST),
        capture_output=True,
        text=True,
        check=True,
    )
    # one row per record: kind, role, artifact, version and round (its ids differ between runs)
    rows = [line.split(" · ")[:-1] for line in listing.stdout.splitlines() if not line.startswith("   ")]
    return Counter(" · ".join(row) for row in rows if row)


def outcome(project: Path, run_id: str, seconds: float, kills: int = 0, orphans: int = 0) -> Outcome:
    out = project / "outputs" / run_id
    files = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    decisions = [
        (d["gate"], d["episode"], d["action"], d["id"])
        for d in map(json.loads, (out / "decisions.jsonl").read_text().splitlines())
    ]
    rows = [json.loads(line) for line in (project / ".room" / "ledger.jsonl").read_text().splitlines()]
    calls = Counter((r["role"], r["stage"]) for r in rows if r["run_id"] == run_id)
    tokens = sum(r["input_tokens"] for r in rows if r["run_id"] == run_id)
    leftovers = [str(p) for p in project.rglob("*partial-*")]
    return Outcome(
        run_id, seconds, files, decisions, _memory(project, run_id), calls, tokens, leftovers, kills, orphans
    )


def _run_id(text: str) -> str:
    return next(line.split()[1] for line in text.splitlines() if line.startswith("run ") and "·" in line)


def run_alone(project: Path, episodes: int) -> Outcome:
    started = time.perf_counter()
    proc = _start(project, *run_args(episodes))
    out, err = proc.communicate(timeout=900)
    assert proc.returncode == 0, err[-2000:]
    return outcome(project, _run_id(out), time.perf_counter() - started)


def _known_run(project: Path) -> str:
    """The project's one run ("" before its first checkpoint); a killed process never flushed its output."""
    status = subprocess.run(
        _command(project, "status", "--json"), env=scripted_env(project, {}, extra=FAST), capture_output=True, text=True
    )
    runs = json.loads(status.stdout) if status.returncode == 0 and status.stdout.strip() else []
    return runs[0]["run_id"] if runs else ""


def _children_alive(project: Path) -> int:
    """Processes (ffmpeg above all) still working on files of this project."""
    mine = os.getpid()
    found = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True).stdout.splitlines()
    return sum(
        1
        for line in found
        if str(project) in line
        and int(line.split()[0]) != mine
        and "room_scripted.py" not in line
        and "ps -eo" not in line
    )


def run_killed(project: Path, episodes: int, kills: int, span: float, seed: int = 7) -> Outcome:
    """Kill the run `kills` times at random moments within `span` seconds of each start, resuming after each."""
    rng = random.Random(seed)
    started = time.perf_counter()
    proc, run_id, orphans, done = _start(project, *run_args(episodes)), "", 0, 0
    while True:
        if done < kills:
            try:
                proc.wait(timeout=rng.uniform(0.5, span))
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                done += 1
                time.sleep(0.2)  # the kernel delivers the children's SIGKILL
                orphans += _children_alive(project)
        out, err = proc.communicate(timeout=900)
        assert proc.returncode in (0, -signal.SIGKILL), err[-2000:]
        run_id = run_id or _known_run(project)
        if proc.returncode == 0 and f"run {run_id} finished" in out:
            break
        # killed before its first checkpoint, the run does not exist yet: start it again
        proc = _start(project, "resume", run_id) if run_id else _start(project, *run_args(episodes))
    return outcome(project, run_id, time.perf_counter() - started, done, orphans)
