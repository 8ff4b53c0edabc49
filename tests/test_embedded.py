"""Integration: the real embedded model, and a separately started server reached by base URL.

These run llama.cpp on the CPU (Gemma 3 270M), so they take a minute each.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.screenwriter import Pitch
from servers import free_port

pytestmark = pytest.mark.integration
HERE = Path(__file__).resolve().parent


def room(project: Path, *args: str, env: dict | None = None, timeout: float = 900) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_"))}
    return subprocess.run(
        [sys.executable, "-m", "cli", "-C", str(project), *args],
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=HERE.parent,
    )


def check_first_gate(project: Path, result: subprocess.CompletedProcess, model: str) -> None:
    assert result.returncode == 0, result.stderr[-2000:]
    assert "waiting for you" in result.stdout
    run_id = next(line.split()[1] for line in result.stdout.splitlines() if line.startswith("run "))
    status = json.loads(room(project, "status", run_id, "--json").stdout)
    assert status["waiting"]["gate"] == "pitch"
    Pitch.model_validate(status["waiting"]["content"])  # a valid structure, whatever the prose
    calls = [json.loads(line) for line in (project / ".room" / "ledger.jsonl").read_text().splitlines()]
    assert {c["role"] for c in calls} == {"screenwriter", "cultural_consultant", "director"}
    assert all(c["model"] == model and c["output_tokens"] > 0 for c in calls)


def test_embedded_model_runs_the_quick_start_to_the_first_gate(tmp_path):
    result = room(tmp_path, "run", "被赶出家门的千金三年后以集团总裁身份归来", "--lang", "zh", "--round-limit", "1")
    assert "embedded Gemma 3 270M" in result.stdout  # the CLI says what runs, and that it only proves the pipeline
    check_first_gate(tmp_path, result, "embedded:gemma3-270m")


def test_room_by_base_url_at_a_separate_server(tmp_path):
    server = subprocess.Popen(
        [sys.executable, str(HERE / "serve_llamacpp.py"), str(free_port())],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        ready = server.stdout.readline().split()
        assert ready and ready[0] == "READY", "the server did not start"
        env = {"ROOM_MODEL": "llamacpp:gemma3-270m", "ROOM_BASE_URL": ready[1]}
        result = room(
            tmp_path, "run", "A chef loses her sense of taste before the final", "--round-limit", "1", env=env
        )
        assert "embedded Gemma" not in result.stdout
        check_first_gate(tmp_path, result, "llamacpp:gemma3-270m")
    finally:
        server.kill()
        server.wait()
