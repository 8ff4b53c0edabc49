"""The agents' own errors, each a kind of one in `tools.errors` (and so with its exit code)."""

from __future__ import annotations

from tools.errors import ConfigError, ModelOutputError, RoomError


class UnknownModelError(ConfigError):
    """A model string does not name a known provider."""


class ArtifactError(ModelOutputError):
    """An artifact a model wrote holds what a later step cannot use (exit 4). The run keeps its state:
    `room approve --edit` or a re-run of the step fixes it, and `room resume` goes on."""


class PromptError(RoomError):
    """A prompt cannot be rendered: a task or a variable it needs is missing (a programming error)."""


class PromptFileError(PromptError):
    """A prompt file does not hold what the room reads from it (a missing or unknown task, an unknown key, a
    malformed example); the message names the file."""
