"""Production apart from writing: while the room writes episode N+1, episode N's frames, voices, cut and render
run in the background of the same process.

    … cast ─▶ produce ─▶ collect ─┬─▶ final_gate ─▶ record_final ─▶ next_episode   (an episode made: its final cut)
                                  └─▶ next_episode                                   (none made yet: write the next)

`produce` hands an episode here when its final cut passes on its own (`pipelined`); its production entry says
`pending` and holds what the episode is made from until it is made. `collect` takes a made episode to its
final cut as soon as one is ready, and waits for the oldest when nothing is left to write. A job lives in the
process that started it: a run resumed in another (after a stop, a crash, or a gate a person answered later)
starts a job in `collect` for every pending episode from its entry's inputs, reusing what the first pass finished
(frames, lines, encoded segments are cached).

Jobs run one at a time, in the order given (`WORKERS`): on the default the writing's model and the render share
the machine's cores, and each render already uses them all; an episode made again never overlaps its first job.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from concurrent.futures import Future, wait
from dataclasses import replace
from pathlib import Path

from agents import production
from agents.production import Produced, Studio
from graphs.events import progress_here

WORKERS = 1
_slots = threading.BoundedSemaphore(WORKERS)
_lock = threading.Lock()
_jobs: dict[tuple[str, str, int, str], Future[Produced]] = {}


def _key(studio: Studio, run_id: str, episode: int, inputs: dict) -> tuple[str, str, int, str]:
    """A job is of one project's run's episode, made from these inputs (a job of other inputs is no answer)."""
    made_from = hashlib.sha256(json.dumps(inputs, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return str(Path(studio.outputs_dir).resolve()), run_id, episode, made_from


def submit(studio: Studio, values: dict, episode: int, inputs: dict) -> Future[Produced]:
    """Make the episode in the background, from `inputs` and the run's series as `values` has them now."""
    values, inputs = copy.deepcopy(values), copy.deepcopy(inputs)  # the run goes on; the job keeps what it was given
    studio = replace(studio, progress=progress_here())  # its bars go to the stream of the step that started it
    future: Future[Produced] = Future()

    def work() -> None:
        with _slots:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(production.produce_episode(studio, values, episode, inputs))
            except BaseException as exc:  # handed to `made`, raised in the run's own step
                future.set_exception(exc)

    with _lock:
        _jobs[_key(studio, values["run_id"], episode, inputs)] = future
    # a daemon: a process that stops (Ctrl-C, a gate's end) does not wait for it; `collect` makes what is left
    threading.Thread(target=work, name=f"produce {values['run_id']} ep{episode}", daemon=True).start()
    return future


def poll(studio: Studio, values: dict, episode: int, inputs: dict) -> bool:
    """Whether the episode's job has ended (made, or failed: `made` says which). A run resumed in a process that has
    no job of it (the one that started it stopped) starts one here."""
    with _lock:
        future = _jobs.get(_key(studio, values["run_id"], episode, inputs))
    if future is None:
        submit(studio, values, episode, inputs)
        return False
    return future.done()


def made(studio: Studio, values: dict, episode: int, inputs: dict) -> Produced:
    """What the episode's job made, waited for; with no job in this process, one is started from `inputs` (in turn
    with the others) and waited for."""
    key = _key(studio, values["run_id"], episode, inputs)
    with _lock:
        future = _jobs.get(key)
    future = future or submit(studio, values, episode, inputs)
    try:
        return future.result()
    finally:
        with _lock:
            if _jobs.get(key) is future:
                del _jobs[key]


def wait_all(timeout: float | None = None) -> bool:
    """Wait for every job this process started (a command that ends while a run is at a gate lets its episodes
    finish first); True when none is still running."""
    with _lock:
        futures = list(_jobs.values())
    return not wait(futures, timeout=timeout).not_done
