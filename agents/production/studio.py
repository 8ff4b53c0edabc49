"""What production works with: the project's folders, the image and speech backends, the render size, the
models an AIGC label names, and the shared memory that keeps the series' cast.

Plain values and one memory handle, built by whoever drives production (the
episode graph's nodes and `room render`, from the run's context).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from memory import RoomMemory
from tools.files import inside


@dataclass(frozen=True, eq=False)
class Studio:
    outputs_dir: Path
    state_dir: Path
    memory: RoomMemory
    images: str = "storyboard"  # the image backend
    speech: str | None = None  # the speech backend; None = the language's default
    render: Literal["full", "draft", "tiny"] = "full"  # a size of `tools.cut.RENDER_SIZES`
    models: tuple[str, ...] = ()  # the chat models that wrote the series, for the AIGC label


def episode_dir(outputs_dir: Path, run_id: str, episode: int) -> Path:
    """outputs/RUN/episodes/epNN: where an episode's files are written (checked to stay in the outputs)."""
    return inside(outputs_dir, run_id, "episodes", f"ep{episode:02d}")
