"""The room's error taxonomy.

Errors the *model* caused (invalid JSON, a reply that fails validation) are
handled where the model is called: the message goes back to the model for a
bounded number of retries, and only then becomes a `ModelOutputError`.
Everything else is a typed exception raised where the problem is found; only
the CLI turns these into one line and an exit code.
"""

from __future__ import annotations


class RoomError(Exception):
    """Base of every error the room reports to a person."""

    exit_code = 1


class ConfigError(RoomError):
    """A setting is missing, malformed or contradicts another."""

    exit_code = 3


class UnknownModelError(ConfigError):
    """A model string does not name a known provider."""


class MissingKeyError(ConfigError):
    """A provider needs an API key that the environment does not hold."""


class ModelUnavailableError(RoomError):
    """The model server could not be reached or started."""

    exit_code = 4


class ModelOutputError(RoomError):
    """The model kept answering with output that fails validation."""

    exit_code = 4


class ArtifactError(ModelOutputError):
    """An artifact a model wrote holds what a later step cannot use (exit 4). The run keeps its state:
    `room approve --edit` or a re-run of the step fixes it, and `room resume` goes on."""


class BudgetExceededError(RoomError):
    """The run would spend more than its budget allows."""

    exit_code = 4


class InputError(RoomError):
    """Something the person gave (premise, edit file, note) is not usable."""

    exit_code = 6


class RunStateError(RoomError):
    """The run does not exist or is not in a state that allows the command."""

    exit_code = 5


class RunStopped(RoomError):
    """A signal stopped the run between two steps: it is saved and resumable."""

    def __init__(self, run_id: str, signum: int):
        super().__init__(f"run {run_id} stopped after its last finished step: continue with `room resume {run_id}`")
        self.run_id = run_id
        self.exit_code = 128 + signum  # as a shell reports a process a signal ended: 130 for Ctrl-C, 143 for SIGTERM


class WriterLockedError(RoomError):
    """Another process is writing to this project's memory."""

    exit_code = 7


class OutputError(RoomError):
    """An output could not be written."""

    exit_code = 8
