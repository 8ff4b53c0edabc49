"""The agents' own errors, each a kind of one in `tools.errors` (and so with its exit code)."""

from __future__ import annotations

from tools.errors import ConfigError, ModelOutputError


class UnknownModelError(ConfigError):
    """A model string does not name a known provider."""


class ArtifactError(ModelOutputError):
    """An artifact a model wrote holds what a later step cannot use (exit 4). The run keeps its state:
    `room approve --edit` or a re-run of the step fixes it, and `room resume` goes on."""
