"""`room studio`: the studio for one project, served on this machine until Ctrl-C."""

from __future__ import annotations

import errno
import socket

import uvicorn

from cli.studio import security
from cli.studio.app import create_app
from cli.studio.control import Control
from cli.views import console, err
from graphs.runs import Runs
from graphs.served_runs import ServedRuns
from tools.errors import InputError
from tools.registry import is_loopback_host


def check_free(host: str, port: int) -> None:
    """A port another program listens on is a one-line error before anything is opened."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            why = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be used ({exc.strerror})"
            raise InputError(f"{host}:{port} {why}: choose another with --port") from None


def serve(runs: Runs | ServedRuns, *, host: str, port: int, token: str | None) -> None:
    """The studio of `runs`: the project's (the studio is its writer while it runs), or a LangGraph server's."""
    check_free(host, port)
    ctx = runs.ctx
    token = token or security.new_token()
    app = create_app(Control(runs), token)
    shown = f"[{host}]" if ":" in host else host
    if not is_loopback_host(host):
        err.print(
            f"warning: the studio listens on {host}, reachable from other machines; it still needs its token",
            style="yellow",
        )
    of = f"the runs of {runs.url}" if isinstance(runs, ServedRuns) else str(ctx.project_dir)
    console.print(f"studio of {of}: http://{shown}:{port}/?token={token}", soft_wrap=True)
    console.print("Ctrl-C stops it (runs in the works stop before their next step, resumable)", style="dim")
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
