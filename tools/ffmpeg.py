"""The ffmpeg binary, shared by the speech tools (pitch shifts) and the video renderer."""

from __future__ import annotations

import shutil

from tools.registry import MissingPackageError


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
