"""What production works with: the project's folders, the image and speech backends, the render size, the
models an AIGC label names, the project's C2PA signer, and the shared memory that keeps the series' cast.

Plain values and one memory handle, built by whoever drives production (the
episode graph's nodes and `room render`, from the run's context).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Literal

from memory import RoomMemory
from tools.credentials import KEY_DIR, Credentials
from tools.files import inside
from tools.images import ImageBackend, create_image_backend
from tools.progress import Progress, silent
from tools.registry import BackendSpec
from tools.speech import SpeechBackend, create_speech_backend, default_backend_for
from tools.subtitle_style import SubtitleStyle


@dataclass(frozen=True, eq=False)
class Studio:
    outputs_dir: Path
    state_dir: Path
    memory: RoomMemory
    images: BackendSpec = field(default_factory=lambda: BackendSpec(provider="storyboard"))
    speech: BackendSpec | None = None  # the speech backend; None = the language's default
    render: Literal["full", "draft", "tiny"] = "full"  # a size of `tools.cut.RENDER_SIZES`
    models: tuple[str, ...] = ()  # the chat models that wrote the series, for the AIGC label
    subtitles: SubtitleStyle = SubtitleStyle()  # how the burned-in subtitles look and wrap
    music: str | None = None  # the person's music, a file or a folder; None = the built-in pad by mood
    progress: Progress = silent  # told how far each long step is (frames, lines, segments)

    @cached_property
    def credentials(self) -> Credentials:
        """The project's C2PA signer (its key in the state folder, made on first use), one per production pass."""
        return Credentials(Path(self.state_dir) / KEY_DIR)

    def image_backend(self) -> ImageBackend:
        """The configured image backend, built with its options (once a production pass)."""
        return create_image_backend(self.images)

    def speech_backend(self, lang: str, name: str | None = None) -> SpeechBackend:
        """The speech backend called `name` (None: the configured one, else the language's), with the configured
        options when it is the configured one (a voice keeps the backend it was cast with)."""
        configured = self.speech or BackendSpec(provider=default_backend_for(lang))
        return create_speech_backend(configured if name in (None, configured.provider) else BackendSpec(provider=name))


def episode_key(episode: int) -> str:
    """How the run's state keys an episode's production entry ("1"): one spelling for every reader and writer,
    a string because checkpoints and exports are JSON."""
    return str(episode)


def episode_entry(values: dict, episode: int) -> dict:
    """The run's production entry of an episode ({} before it has one)."""
    return values.get("production", {}).get(episode_key(episode), {})


def episode_dir(outputs_dir: Path, run_id: str, episode: int) -> Path:
    """outputs/RUN/episodes/epNN: where an episode's files are written (checked to stay in the outputs)."""
    return inside(outputs_dir, run_id, "episodes", f"ep{episode:02d}")
