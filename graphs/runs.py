"""Run control: start, inspect, approve, resume, rewind — from any process.

Checkpoints live in SQLite in the project folder, or in Postgres
(`graphs.checkpoints`), and are written with synchronous durability, so a run
killed at any moment resumes from its last finished step; the run id is the
LangGraph thread id. One process drives a run at a time, and a command that
read a run drives it only if it is still where it was read: a gate is
answered once, however many processes answer it.
"""

from __future__ import annotations

import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.types import Command
from pydantic import ValidationError

from agents import models
from agents.roles import ARTIFACTS
from graphs import development
from graphs.checkpoints import Checkpoints, open_checkpoints
from graphs.context import DEVELOPMENT, ROLE_NAMES, Context
from graphs.errors import RunStateError, RunStopped, UnknownRunError
from graphs.forks import fork_run
from graphs.gates import FINAL_CUT
from graphs.room import Room, project_memory
from graphs.stops import StopAtSafePoint, stop_on_signals
from tools.errors import ConfigError, InputError, first_problem
from tools.files import sweep_partials
from tools.progress import Progress

if TYPE_CHECKING:
    from agents.production import Redraw, Revoice
    from graphs.chat import Conversation

MAX_PREMISE_CHARS = 2000
# the node a finished run's state is changed as: from it, with nothing in the works, the graph goes to its end
AT_REST = "next_episode"
# what `room resume --redo` can make again: every artifact, then the episode graph's production nodes
REDO_STAGES = (*ARTIFACTS, "art", "cast", "produce")


@dataclass
class RunView:
    """What a run is doing, for `room status`."""

    run_id: str
    premise: str
    state: str  # waiting | finished | interrupted (stopped, killed or failed between steps: `room resume`)
    waiting: dict[str, Any] | None
    approved: dict[str, int]
    values: dict[str, Any]
    checkpoint_id: str
    updated: str
    failed: dict[str, str] | None = None  # {"stage", "error"}: the step that failed, when one did
    forked_from: str = ""  # "run@checkpoint" for a fork

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "premise": self.premise,
            "state": self.state,
            "waiting": self.waiting,
            "approved": self.approved,
            "checkpoint_id": self.checkpoint_id,
            "updated": self.updated,
            "failed": self.failed,
            "forked_from": self.forked_from,
        }


def stage_of(node: str, values: dict[str, Any]) -> str:
    """What a person calls the step a node is at: "bible", "ep02 script", "ep02 produce"."""
    episode = values.get("episode", 0)
    prefix = f"ep{episode:02d} " if episode and node not in ("plan",) else ""
    if node in ("negotiate", "gate", "record"):
        return f"{prefix}{values.get('current') or node}"
    return f"{prefix}{node}"


def step_name(node: str, values: dict[str, Any]) -> str:
    """A step as `room history` lists it: "pitch · negotiate", "ep02 script · gate", "ep02 produce"."""
    stage = stage_of(node, values)
    return f"{stage} · {node}" if node in ("negotiate", "gate", "record") else stage


def _error_line(error: str) -> str:
    """`ModelOutputError("gave no valid Pitch …")` → `ModelOutputError: gave no valid Pitch …`."""
    name, paren, rest = error.partition("(")
    if paren and name.isidentifier() and rest.endswith(")"):
        message = rest[:-1].strip()
        if len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
            message = message[1:-1]
        return f"{name}: {message}"
    return error


def draft_name(waiting: dict[str, Any]) -> str:
    """The file a gate's waiting draft is written to: one per artifact, episode and version."""
    episode = waiting.get("episode", 0)
    return f"{'ep%02d.' % episode if episode else ''}{waiting['gate']}.v{waiting['version']}.json"


def new_run_id() -> str:
    return uuid.uuid4().hex[:8]


def gate_at(snap) -> str:
    """The gate a checkpoint stands before ("" for any other step): "pitch", "ep02 script", "ep02 final_cut"."""
    if "gate" in snap.next:
        return stage_of("gate", snap.values)
    if "final_gate" in snap.next:
        return stage_of("final_cut", snap.values)
    return ""


def check_premise(premise: str) -> str:
    text = (premise or "").strip()
    if not text:
        raise InputError("the premise is empty: say in a sentence what the series is about")
    if len(text) > MAX_PREMISE_CHARS:
        raise InputError(f"the premise is {len(text)} characters; keep it under {MAX_PREMISE_CHARS}")
    return text


def validate_edit(gate: str, content: Any) -> dict:
    """The person's version of an artifact must be a valid artifact."""
    if gate not in ARTIFACTS:
        raise InputError(f"the {gate} gate cannot be edited: approve it, or reject it with a note")
    try:
        return ARTIFACTS[gate].schema.model_validate(content).model_dump(mode="json")
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise InputError(f"the edited {gate} is not valid: {where or gate}: {what}") from None


def run_view(
    run_id: str,
    values: dict[str, Any],
    *,
    waiting: dict[str, Any] | None,
    pending: bool,
    errors: list[tuple[str, str]],
    checkpoint_id: str,
    updated: str,
    forked_from: str = "",
) -> RunView:
    """What a run is doing, from its latest checkpoint: its values, the gate it waits at, whether steps are left
    (`pending`), and the (node, error) of each step that failed — wherever the checkpoint was read."""
    # a step begun and not checkpointed as done (its writes may be saved already) is not the end either
    state = "waiting" if waiting else ("interrupted" if pending else "finished")
    failed = next(
        (
            {"stage": stage_of(node, values), "error": _error_line(error)}
            for node, error in errors
            if not error.startswith(StopAtSafePoint.__name__)
        ),
        None,
    )
    return RunView(
        run_id=run_id,
        premise=values.get("premise", ""),
        state=state,
        waiting=waiting,
        approved=dict(values.get("approved", {})),
        values=dict(values),
        checkpoint_id=checkpoint_id,
        updated=updated,
        failed=failed,
        forked_from=forked_from,
    )


def gate_answer(
    view: RunView,
    action: str,
    *,
    content: Any = None,
    note: str | None = None,
    gate: str | None = None,
    episode: int | None = None,
) -> dict[str, Any]:
    """The answer to the gate a run waits at (what its `interrupt` resumes with), checked: the run waits, at the
    gate meant (with `gate` and `episode`), and an edit is a valid artifact, a rejection has a note."""
    run_id = view.run_id
    if not view.waiting:
        raise RunStateError(f"run {run_id} is not waiting for approval (it is {view.state})")
    waits = (view.waiting["gate"], view.waiting.get("episode", 0))
    if gate is not None and (gate != waits[0] or episode is not None and episode != waits[1]):
        at = f"{waits[0]}" + (f" of episode {waits[1]}" if waits[1] else "")
        meant = f"{gate}" + (f" of episode {episode}" if episode else "")
        raise RunStateError(f"run {run_id} waits at {at}, not at {meant}: see `room status {run_id}`")
    answer: dict[str, Any] = {"action": action}
    if action == "edit":
        answer["content"] = validate_edit(view.waiting["gate"], content)
    elif action == "reject":
        if not (note or "").strip():
            raise InputError("a rejection needs a note saying what to change")
        answer["note"] = note.strip()
    elif action != "approve":
        raise InputError(f"unknown action '{action}'")
    return answer


def check_resumable(view: RunView) -> RunView:
    """A run `room resume` may continue: one stopped between steps, not one at a gate or finished."""
    if view.state == "waiting":
        raise RunStateError(
            f"run {view.run_id} waits at the {view.waiting['gate']} gate: use `room approve {view.run_id}`"
        )
    if view.state == "finished":
        raise RunStateError(f"run {view.run_id} is finished; nothing to resume")
    return view


def initial_state(
    ctx: Context,
    run_id: str,
    premise: str,
    *,
    lang: str | None = None,
    episodes: int | None = None,
    auto_approve: tuple[str, ...] | None = None,
    model: str | None = None,
) -> dict[str, Any]:
    """What a new run of `premise` starts with (`graphs.state.RunInput`): its id, its terms (language, episodes,
    the gates that pass on their own, models and budget) from the arguments, else from the context."""
    text = check_premise(premise)
    if model:
        models.check_spec(model, ctx.base_url)
    initial: dict[str, Any] = {
        "run_id": run_id,
        "premise": text,
        "lang": lang or ctx.lang,
        "episodes": episodes or ctx.episodes,
        "decisions": [],
        "auto_approve": list(ctx.auto_approve if auto_approve is None else auto_approve),
        "models": {"model": model, "role_models": {}} if model else ctx.models(),
    }
    budget = ctx.run_budget()
    if budget:
        unpriced = sorted({s for s in map(ctx.model_for, ROLE_NAMES) if ctx.price(s) is None})
        if unpriced and budget.unit == "usd":
            raise ConfigError(
                f"a budget of {budget.shown()} needs a price for {', '.join(unpriced)}: set it in room.toml "
                "[prices], or give the budget in tokens (e.g. --budget 200000tok)"
            )
        initial["budget"] = budget.as_json()
    return initial


class Runs:
    """The runs of one project folder."""

    def __init__(self, ctx: Context, *, writer: bool = True, checkpoints: Checkpoints | None = None):
        self.ctx = ctx
        ctx.state_dir.mkdir(parents=True, exist_ok=True)
        if writer:
            project_memory(ctx)  # takes the project's writer lock before anything is written
        self.checkpoints = checkpoints or open_checkpoints(ctx)  # given: a LangGraph server's (graphs.served)
        self.saver = self.checkpoints.saver
        self.graph = development.builder.compile(checkpointer=self.saver)

    def close(self) -> None:
        self.checkpoints.close()

    # ── reading ──────────────────────────────────────────────────────────

    @staticmethod
    def config(run_id: str, checkpoint_id: str | None = None) -> dict:
        configurable = {"thread_id": run_id}
        if checkpoint_id:
            configurable["checkpoint_id"] = checkpoint_id
        return {"configurable": configurable}

    def run_ids(self) -> list[str]:
        return self.checkpoints.run_ids()

    def view(self, run_id: str) -> RunView:
        snap = self.graph.get_state(self.config(run_id))
        if not snap.values:
            known = ", ".join(self.run_ids()[-5:]) or "none yet"
            raise UnknownRunError(f"no run '{run_id}' in this project (recent: {known})")
        return run_view(
            run_id,
            snap.values,
            waiting=next((i.value for i in snap.interrupts), None),
            pending=bool(snap.next or snap.tasks),
            errors=[(t.name, t.error) for t in snap.tasks if t.error],
            checkpoint_id=snap.config["configurable"]["checkpoint_id"],
            updated=snap.created_at or "",
            forked_from=self._forked_from(run_id),
        )

    def _forked_from(self, run_id: str) -> str:
        first = next(iter(self.saver.list(self.config(run_id), filter={"source": "fork"}, limit=1)), None)
        return (first.metadata or {}).get("forked_from", "") if first else ""

    def latest(self) -> str:
        ids = self.run_ids()
        if not ids:
            raise RunStateError('this project has no run yet: start one with `room run "premise"`')
        return ids[-1]

    def history(self, run_id: str) -> list[dict[str, Any]]:
        self.view(run_id)
        rows = []
        for snap in self.graph.get_state_history(self.config(run_id)):
            rows.append(
                {
                    "checkpoint_id": snap.config["configurable"]["checkpoint_id"],
                    "step": snap.metadata.get("step") if snap.metadata else None,
                    "source": snap.metadata.get("source") if snap.metadata else None,
                    "next": list(snap.next),
                    "stage": step_name(snap.next[0], snap.values) if snap.next else "end",
                    "gate": gate_at(snap),
                    "episode": snap.values.get("episode", 0),
                    "current": snap.values.get("current"),
                    "approved": dict(snap.values.get("approved", {})),
                    "parent": (snap.parent_config or {}).get("configurable", {}).get("checkpoint_id"),
                    "created_at": snap.created_at,
                }
            )
        return rows

    def checkpoint_bytes(self, run_id: str) -> dict[int, int]:
        """The largest checkpoint of the run while each episode was in the works (0: development), in bytes
        as the saver serialises it: what a long series costs to keep."""
        sizes: dict[int, int] = {}
        for saved in self.saver.list(self.config(run_id)):
            if saved.config["configurable"].get("checkpoint_ns"):
                continue  # a negotiation's own steps
            episode = saved.checkpoint["channel_values"].get("episode", 0)
            size = len(self.saver.serde.dumps_typed(saved.checkpoint)[1])
            sizes[episode] = max(sizes.get(episode, 0), size)
        return dict(sorted(sizes.items()))

    # ── driving ──────────────────────────────────────────────────────────

    def _stream(self, payload: Any, config: dict, *, read_at: str | None = None) -> Iterator[dict]:
        """The run's events; a SIGINT or SIGTERM ends it before its next step, resumable (see graphs.stops).

        This process is the run's one driver meanwhile; with `read_at`, the checkpoint the command read the run
        at, it goes on only if the run is still there (another process did not answer or resume it first).
        """
        with self._driving(config["configurable"]["thread_id"], read_at):
            yield from self._drive(payload, config)

    @contextmanager
    def _driving(self, run_id: str, read_at: str | None) -> Iterator[None]:
        """This process drives the run until the block ends, and (with `read_at`) it is where the command read it."""
        with self.checkpoints.driving(run_id):
            if read_at and self.graph.get_state(self.config(run_id)).config["configurable"]["checkpoint_id"] != read_at:
                raise RunStateError(
                    f"run {run_id} moved on since this command read it: another process answered, resumed or "
                    f"changed it (see `room status {run_id}`)"
                )
            yield

    def _drive(self, payload: Any, config: dict) -> Iterator[dict]:
        run_id = config["configurable"]["thread_id"]
        # what a killed process left half-written (this process drives the run)
        sweep_partials(
            self.ctx.outputs_dir / run_id,
            self.ctx.state_dir / "render-cache" / run_id,
            self.ctx.state_dir / "speech-cache",
        )
        with stop_on_signals() as stopped_by, self.checkpoints.reached():
            try:
                for _ns, mode, data in self.graph.stream(
                    payload,
                    config,
                    context=self.ctx,
                    stream_mode=["custom", "updates"],
                    subgraphs=True,
                    durability="sync",
                ):
                    if mode == "custom":
                        yield data
            except StopAtSafePoint:
                raise RunStopped(run_id, stopped_by() or signal.SIGINT) from None

    def start(
        self,
        premise: str,
        *,
        lang: str | None = None,
        episodes: int | None = None,
        auto_approve: tuple[str, ...] | None = None,
        model: str | None = None,
    ) -> tuple[str, Iterator[dict]]:
        """A new run of `premise`; its gates in `auto_approve` (default: the context's) pass on their own; with
        `model` (provider:model) every role of the run writes on it, else on the context's models."""
        run_id = new_run_id()
        initial = initial_state(
            self.ctx, run_id, premise, lang=lang, episodes=episodes, auto_approve=auto_approve, model=model
        )
        return run_id, self._stream(initial, self.config(run_id))

    def answer(
        self,
        run_id: str,
        action: str,
        *,
        content: Any = None,
        note: str | None = None,
        gate: str | None = None,
        episode: int | None = None,
    ) -> Iterator[dict]:
        """Answer the gate a run waits at: approve, edit (with content) or reject (with a note). With `gate` (and
        `episode`), only that gate: an answer meant for one gate never lands on the next one."""
        view = self.view(run_id)
        answer = gate_answer(view, action, content=content, note=note, gate=gate, episode=episode)
        return self._stream(Command(resume=answer), self.config(run_id), read_at=view.checkpoint_id)

    def resume(self, run_id: str) -> Iterator[dict]:
        """Continue a run that stopped between steps (killed, crashed, out of time)."""
        view = check_resumable(self.view(run_id))
        return self._stream(None, self.config(run_id), read_at=view.checkpoint_id)

    def rewind(self, run_id: str, checkpoint: str) -> tuple[str, str, Iterator[dict]]:
        """Fork the run from an earlier checkpoint (a unique prefix is enough) into a new run, and continue that.

        Returns the checkpoint, the fork's run id and its events. The old run is left as it was.
        """
        matches = [row["checkpoint_id"] for row in self.history(run_id) if row["checkpoint_id"].startswith(checkpoint)]
        if len(matches) != 1:
            problem = "no" if not matches else "more than one"
            raise RunStateError(
                f"{problem} checkpoint of run {run_id} starts with '{checkpoint}' (see `room history {run_id}`)"
            )
        fork_id = new_run_id()
        fork_run(self, run_id, matches[0], fork_id)
        return matches[0], fork_id, self._stream(None, self.config(fork_id))

    def redo(self, run_id: str, stage: str, episode: int | None = None) -> Iterator[dict]:
        """Make a step again from scratch, keeping everything before it: for an output that poisons what follows.

        The run goes back to the newest checkpoint before the step (for an
        episode's step, of that episode: the one in the works by default) and
        continues from there; a negotiated artifact is proposed anew.
        """
        if stage not in REDO_STAGES:
            raise InputError(f"unknown stage '{stage}'; stages are {', '.join(REDO_STAGES)}")
        view = self.view(run_id)
        episode = episode if episode is not None else view.values.get("episode", 0)
        node = "negotiate" if stage in ARTIFACTS else stage
        for snap in self.graph.get_state_history(self.config(run_id)):
            values = snap.values
            if snap.next != (node,) or (node == "negotiate" and values.get("current") != stage):
                continue
            if stage in DEVELOPMENT or values.get("episode", 0) == episode:
                break
        else:
            where = f" of episode {episode}" if stage not in DEVELOPMENT else ""
            raise RunStateError(f"run {run_id} has no {stage} step{where} to redo yet")
        return self._redo(run_id, snap.config, stage if node == "negotiate" else None, view.checkpoint_id)

    def _redo(self, run_id: str, config: dict, anew: str | None, read_at: str) -> Iterator[dict]:
        """Go on from an earlier checkpoint as the run's one driver; `anew`, an artifact proposed anew, not revised
        (written as the one node whose only way on is the negotiation)."""
        with self._driving(run_id, read_at):
            if anew:
                empty = {"artifacts": {anew: {}}, "versions": {anew: 0}, "notes": {anew: []}}
                config = self.graph.update_state(config, empty, as_node="start_shots")
            yield from self._drive(None, config)

    def update_artifact(self, run_id: str, name: str, content: dict, author: str) -> int:
        """Write a new version of an artifact into the run (chat). Returns the new version.

        A run waiting at a gate goes back to that gate, which shows the new version;
        a finished run keeps the new version as approved.
        """
        view = self.view(run_id)
        version = view.values.get("versions", {}).get(name, 0) + 1
        update: dict[str, Any] = {"artifacts": {name: content}, "versions": {name: version}, "authors": {name: author}}
        config = self.config(run_id)
        if view.state not in ("waiting", "finished"):
            raise RunStateError(f"run {run_id} stopped between steps: `room resume {run_id}` first")
        with self._driving(run_id, view.checkpoint_id):  # a chat change and a gate's answer come one after the other
            if view.state == "finished":
                self.graph.update_state(config, {**update, "approved": {name: version}}, as_node=AT_REST)
                return version
            # as if the negotiation had given this version: the artifact's gate shows it (the script's, from a final cut)
            update["outcome"] = {
                "artifact": name,
                "version": version,
                "status": "changed in chat",
                "rounds": view.waiting.get("rounds", 0),
                "dissent": [],
            }
            update["current"] = name
            self.graph.update_state(config, update, as_node="negotiate")
            for _ in self._drive(None, config):  # the gate only interrupts again, now with the new version
                pass
        return version

    def render(
        self,
        run_id: str,
        episode: int,
        *,
        script: Any = None,
        redraw: Redraw | None = None,
        revoice: Revoice | None = None,
        progress: Progress | None = None,
    ):
        """Re-render an episode from the run's state, with a changed script, one shot redrawn or one line re-voiced
        (kept for its next render), redoing only what changed (lines re-synthesised, frames redrawn, video segments re-encoded); `progress` is told how far."""
        from agents import production
        from agents.screenwriter import EpisodeScript
        from graphs.episode import being_made, finished

        view = self.view(run_id)
        studio = Room.for_run(self.ctx, view.values).studio  # the run's models label what it makes
        studio = replace(studio, progress=progress) if progress else studio
        if being_made(production.episode_entry(view.values, episode)):
            raise RunStateError(f"episode {episode} of run {run_id} is being made: render it once it is made")
        inputs = production.load_inputs(studio, view.values, episode)
        if not inputs:
            raise RunStateError(f"episode {episode} of run {run_id} has no approved script and shot list yet")
        saved = production.inputs_saved(studio, run_id, episode)
        if script is not None:
            if view.state != "finished":
                raise RunStateError(
                    f"run {run_id} is {view.state}: change the script through its gate (room approve --reject)"
                )
            try:
                changed = EpisodeScript.model_validate(script).model_dump(mode="json")
            except ValidationError as exc:
                where, what = first_problem(exc)
                raise InputError(f"the script is not valid: {where or 'script'}: {what}") from None
            inputs = {**inputs, "script": changed}
        values = view.values
        edited = production.edited_cast(studio, values)  # the person's edit of cast.json, checked
        if edited:
            values = {**values, "voices": edited}
        if (redraw or revoice) is not None and not saved:
            verb = "redraw" if redraw is not None else "re-voice"
            raise RunStateError(f"episode {episode} of run {run_id} is not produced yet: {verb} it once it is")
        if redraw is not None:
            inputs = production.redrawn(inputs, view.values.get("artifacts", {}).get("bible"), redraw)
        if revoice is not None:
            inputs = production.revoiced(studio, values, inputs, revoice)
        voices, produced = production.render_episode(studio, values, episode, inputs)
        voices = voices or edited or {}
        if view.state == "finished" or saved:  # what it is made from now, for its next render and its final cut
            production.save_inputs(studio, run_id, episode, inputs)
        if view.state == "finished":
            entry = {**production.episode_entry(view.values, episode), "produced": produced.as_state()}
            if entry.get("approved"):  # a finished episode keeps its summary in state, the rest in its folder
                entry = finished(entry)
            update = {"production": {production.episode_key(episode): entry}, **({"voices": voices} if voices else {})}
            with self._driving(run_id, view.checkpoint_id):
                self.graph.update_state(self.config(run_id), update, as_node=AT_REST)
        elif voices:
            self._keep_voices(view, voices)
        return produced

    def chat(self, run_id: str) -> Conversation:
        """A chat session on the run (`graphs.chat`): one conversation, its own thread of the chat graph."""
        from graphs.chat import Conversation

        self.view(run_id)  # unknown run → clear error before the prompt appears
        return Conversation(self, run_id)

    def cast(self, run_id: str, character: str | None = None, voice: str | None = None, **settings):
        """Each cast voice with a sample of it, and the voices there are to choose from; with `character` and
        `voice`, that character recast first (the next render re-voices only their lines)."""
        from agents.production import casting

        view = self.view(run_id)
        studio = Room.for_run(self.ctx, view.values).studio  # the run's models label what it makes
        values = view.values
        if character is not None:
            voices = casting.recast(studio, values, character, voice or "", **settings)
            self._keep_voices(view, voices)
            values = {**values, "voices": voices}
        return casting.samples(studio, values), casting.offered(studio, values)

    def look(self, run_id: str, character: str, image: Path | None = None) -> dict:
        """The character's reference image and where it came from ({} for none); with `image`, that picture kept
        as its reference first (the next render redraws only its shots)."""
        from agents.production import references

        view = self.view(run_id)
        studio = Room.for_run(self.ctx, view.values).studio
        if image is not None:
            references.set_reference(studio, view.values, character, image)
        return references.shown_reference(studio, view.values, character)

    def _keep_voices(self, view: RunView, voices: dict[str, dict]) -> None:
        """The run's cast changed: a finished run keeps it; a run waiting at a gate keeps it and waits there again."""
        config = self.config(view.run_id)
        if view.state not in ("waiting", "finished"):
            raise RunStateError(f"run {view.run_id} stopped between steps: `room resume {view.run_id}` first")
        with self._driving(view.run_id, view.checkpoint_id):  # one change at a time, the run where it was read
            if view.state == "finished":
                self.graph.update_state(config, {"voices": voices}, as_node=AT_REST)
                return
            before = "produce" if view.waiting.get("gate") == FINAL_CUT else "negotiate"  # the gate asks again
            self.graph.update_state(config, {"voices": voices}, as_node=before)
            for _ in self._drive(None, config):
                pass
