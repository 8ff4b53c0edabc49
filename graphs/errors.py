"""The errors of run control: a run that is not there or not in a state for the command, a run a signal stopped.

The rest of the taxonomy belongs to the packages that raise it (`tools.errors`
holds the base, `RoomError`); the CLI maps each to its exit code.
"""

from __future__ import annotations

from tools.errors import ConfigError, RoomError


class RunStateError(RoomError):
    """The run does not exist or is not in a state that allows the command."""


class UnknownRunError(RunStateError):
    """No run of that id in the project."""


class RunStopped(RoomError):
    """A signal stopped the run between two steps: it is saved and resumable."""

    def __init__(self, run_id: str, signum: int):
        super().__init__(f"run {run_id} stopped after its last finished step: continue with `room resume {run_id}`")
        self.run_id = run_id
        self.signum = signum


class RunBusyError(RunStateError):
    """Another process is driving the run (answering its gate, resuming it): one driver at a time."""


class CheckpointsUnavailableError(ConfigError):
    """The checkpoint database cannot be opened or reached (a bad URL, a Postgres that is not running)."""
