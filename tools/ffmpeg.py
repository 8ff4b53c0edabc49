"""The ffmpeg binary and how the project talks to it: filter-graph escaping, runs, one-line errors.

Shared by the speech tools (pitch shifts) and the video renderer.
"""

from __future__ import annotations

import ctypes
import re
import shutil
import signal
import subprocess
import sys

from tools.errors import OutputError
from tools.registry import MissingPackageError

# ffmpeg's consequences of an error, not its cause
_CONSEQUENCES = (
    "conversion failed",
    "error opening output file",
    "error opening input file",
    "nothing was written",
    "error while filtering",
    "task finished with error code",
    "terminating thread",
    "last message repeated",
    "could not open encoder before eof",
    "cannot determine format of input",
    "decode error rate",
    "output file does not contain any stream",
    "error while processing the decoded data",
)
_PREFIX = re.compile(r"^(?:\[[^\]]*\]\s*)+")
_INPUT = re.compile(r"\[(?:in#|[vas]?ist#)(\d+)")


def ffmpeg_exe(purpose: str = "video") -> str:
    """imageio-ffmpeg's bundled build, else an ffmpeg on PATH; `purpose` says who needs it when neither exists."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        found = shutil.which("ffmpeg")
        if found:
            return found
    raise MissingPackageError(f"{purpose} needs ffmpeg: pip install imageio-ffmpeg")


def filter_value(value: str) -> str:
    """Escape a value for a filter's option list, then for the filter graph around it.

    ffmpeg parses filter arguments twice: the graph parser (which splits on
    `,;[]`) and the filter's option parser (which splits on `:`). Each level
    honours backslash escapes, so a path such as `/tmp/it's: a, test` survives.
    """
    level1 = "".join("\\" + c if c in "\\':" else c for c in value)
    return "".join("\\" + c if c in "\\'[],;" else c for c in level1)


def ffmpeg_error(stderr: str, inputs: list[str]) -> str:
    """The last line of ffmpeg's stderr that says what went wrong, naming the input it concerns."""
    found = ""
    for raw in stderr.splitlines():
        line = _PREFIX.sub("", raw.strip())
        if not line or line.lower().startswith(_CONSEQUENCES):
            continue
        which = _INPUT.match(raw.strip())
        index = int(which.group(1)) if which else -1
        found = f"{inputs[index]}: {line}" if 0 <= index < len(inputs) and inputs[index] not in line else line
    return found or "ffmpeg failed without saying why"


def argument_text(text: str) -> str:
    """Model text as one command-line argument can carry it (a metadata title): printable, on one line.
    A NUL byte cannot be passed at all, and other control characters have no business in a tag."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _die_with_parent() -> None:
    """In the child, before ffmpeg starts: the kernel kills it when the room dies, even by SIGKILL (Linux)."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def run_ffmpeg(command: list[str], what: str, stdin: bytes | None = None) -> bytes:
    """Run one ffmpeg command (fed `stdin`) and return what it wrote to stdout.

    On failure an `OutputError` "<what> failed: <ffmpeg's reason>".
    """
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, preexec_fn=_die_with_parent)
    except OSError as exc:
        raise OutputError(f"cannot run ffmpeg ({command[0]}): {exc.strerror or exc}") from None
    if done.returncode != 0:
        inputs = [command[i + 1] for i, arg in enumerate(command) if arg == "-i"]
        raise OutputError(f"{what} failed: {ffmpeg_error(done.stderr.decode('utf-8', 'replace'), inputs)}")
    return done.stdout
