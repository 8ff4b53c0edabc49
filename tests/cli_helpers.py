"""Drive the CLI in subprocesses with scripted models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROLES = ("screenwriter", "cultural_consultant", "director", "art_director", "editor")


def scripted_env(project: Path, script: dict | None, name: str = "script", extra: dict | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_"))}
    path = project.parent / f"{name}.json"
    path.write_text(json.dumps(script or {}, ensure_ascii=False))
    env.update({"ROOM_TEST_SCRIPT": str(path), "ROOM_MODEL": "scripted:*", "ROOM_ORIGINALITY": "0", "COLUMNS": "120"})
    env.update({f"ROOM_MODEL_{r.upper()}": f"scripted:{r}" for r in ROLES})
    env.update(extra or {})
    return env


def room(
    project: Path,
    *args: str,
    script: dict | None = None,
    name: str = "script",
    stdin: str | None = None,
    timeout: float = 120,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(HERE / "room_scripted.py"), "-C", str(project), *args],
        env=scripted_env(project, script, name, env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def spawn(
    project: Path, *args: str, script: dict | None = None, name: str = "script", env: dict | None = None
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HERE / "room_scripted.py"), "-C", str(project), *args],
        env=scripted_env(project, script, name, env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_id_of(output: str) -> str:
    for line in output.splitlines():
        if line.startswith("run ") and "·" in line:
            return line.split()[1]
    raise AssertionError(f"no run id in output:\n{output}")
