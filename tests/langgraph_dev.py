"""`langgraph dev` serving this checkout's `langgraph.json` for a project: for the tests and the benches."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
STARTUP = 120  # seconds `langgraph dev` may take to serve (it imports every graph)


def clean_env() -> dict[str, str]:
    """This process's environment without the room's settings and model keys: the project's are the server's."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("ROOM_", "OPENAI_", "LANGSMITH_", "LANGCHAIN_"))}


@contextmanager
def langgraph_dev(cli: str, project: Path, workdir: Path, env: dict[str, str], jobs: int = 1) -> Iterator[str]:
    """`langgraph dev` (the `cli` command) serving the room's graphs for `project`, keeping its own state in
    `workdir` (a second server on the same folder finds the first one's threads), running `jobs` runs at a
    time; its URL for as long as the block runs."""
    config = json.loads((ROOT / "langgraph.json").read_text(encoding="utf-8"))  # the checkout's, its paths absolute
    config["dependencies"] = [str(ROOT)]
    config["graphs"] = {name: str(ROOT / spec) for name, spec in config["graphs"].items()}
    config["checkpointer"]["path"] = str(ROOT / config["checkpointer"]["path"])
    (workdir / "langgraph.json").write_text(json.dumps(config), encoding="utf-8")
    env = {
        **clean_env(),
        **env,
        "ROOM_PROJECT": str(project),
        "PYTHONPATH": str(ROOT),  # this checkout's packages, whatever is installed
        "LANGSMITH_TRACING": "false",
        "LANGGRAPH_CLI_NO_ANALYTICS": "1",
    }
    port = free_port()
    command = [cli, "dev", "--no-browser", "--no-reload", "--port", str(port), "--config", "langgraph.json"]
    command += ["--n-jobs-per-worker", str(jobs)]
    with (workdir / "server.log").open("a") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://127.0.0.1:{port}"
        started = time.monotonic()
        try:
            while not _serving(url):
                if process.poll() is not None or time.monotonic() - started > STARTUP:
                    tail = (workdir / "server.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"`langgraph dev` did not serve: {tail}")
                time.sleep(0.5)
            print(f"langgraph dev served in {time.monotonic() - started:.1f} s")
            yield url
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/ok", timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False
