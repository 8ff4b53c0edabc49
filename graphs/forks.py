"""Forking a run: a new run that starts from one checkpoint of another, and owns what it makes.

A fork is a run of its own (its own id, memory records and output folder), so
nothing the abandoned branch did after the checkpoint reaches it: not its
approvals, not its files. The old run stays as it was, to look at or to go on
with. What the fork inherits is what existed at the checkpoint: the state (the
checkpoint, copied through the saver's own interface, so any saver works), the memory records written before it (with the status
they had then), and the outputs of what was approved by then.
"""

from __future__ import annotations

import copy
import shutil
from typing import TYPE_CHECKING

from agents.production import episode_dir
from agents.roles import ARTIFACTS
from graphs.room import project_memory
from memory import Status
from tools import export
from tools.files import atomic_write_json

if TYPE_CHECKING:
    from graphs.runs import Runs


def _moved(value, old: str, new: str):
    """`value` with every path into the old run's output folder pointing into the fork's (its copies)."""
    if isinstance(value, str):
        return new + value[len(old) :] if value == old or value.startswith(old + "/") else value
    if isinstance(value, dict):
        return {k: _moved(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, old, new) for v in value]
    return value


def copy_checkpoint(runs: "Runs", run_id: str, checkpoint_id: str, fork_id: str) -> str:
    """Write the checkpoint as the first checkpoint of `fork_id`. Returns the time it was made.

    The writes pending on it are left behind: they are what happened after
    it (a gate's answer, the steps that answer started), so the fork runs
    its next step afresh (a gate interrupts again, showing the fork's id).
    """
    source = runs.saver.get_tuple(runs.config(run_id, checkpoint_id))
    checkpoint = copy.deepcopy(source.checkpoint)
    old, new = str(runs.ctx.outputs_dir / run_id), str(runs.ctx.outputs_dir / fork_id)
    checkpoint["channel_values"] = _moved(checkpoint["channel_values"], old, new)
    checkpoint["channel_values"]["run_id"] = fork_id
    metadata = {**(source.metadata or {}), "source": "fork", "forked_from": f"{run_id}@{checkpoint_id}"}
    target = {"configurable": {"thread_id": fork_id, "checkpoint_ns": ""}}
    runs.saver.put(target, checkpoint, metadata, dict(checkpoint["channel_versions"]))
    return checkpoint["ts"]


def copy_memory(runs: "Runs", run_id: str, fork_id: str, until: str) -> int:
    """The run's memory records written before `until`, as the fork's, with the status they had then."""
    mem = project_memory(runs.ctx)
    inherited = []
    for record in mem.list(run_id=run_id):
        if record.created_at > until:
            continue
        changed_later = record.status_at and record.status_at > until
        inherited.append(
            record.model_copy(
                update={
                    "run_id": fork_id,
                    **({"status": Status.PROPOSED, "status_at": ""} if changed_later else {}),
                }
            )
        )
    return mem.put(inherited)


def copy_outputs(runs: "Runs", values: dict, run_id: str, fork_id: str) -> None:
    """The fork's output folder: what was approved at the checkpoint, and nothing made after it."""
    ctx = runs.ctx
    folder = ctx.outputs_dir / fork_id
    for name, _version in values.get("approved", {}).items():
        export.write_artifact(
            folder, name, values["artifacts"][name], values.get("lang", "en"), ARTIFACTS[name].markdown
        )
    export.write_decisions(folder, values.get("decisions", []))
    if values.get("voices"):
        atomic_write_json(folder / "cast.json", values["voices"])
    for number, entry in values.get("production", {}).items():
        source = episode_dir(ctx.outputs_dir, run_id, int(number))
        if entry.get("approved") and source.is_dir():
            shutil.copytree(source, episode_dir(ctx.outputs_dir, fork_id, int(number)), dirs_exist_ok=True)


def fork_run(runs: "Runs", run_id: str, checkpoint_id: str, fork_id: str) -> None:
    """Make `fork_id` a run that starts at `checkpoint_id` of `run_id`."""
    until = copy_checkpoint(runs, run_id, checkpoint_id, fork_id)
    copy_memory(runs, run_id, fork_id, until)
    copy_outputs(runs, runs.graph.get_state(runs.config(fork_id)).values, run_id, fork_id)
