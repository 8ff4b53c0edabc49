"""What a node of the room's graphs works with, in one object: `room = Room.of(runtime, state)`.

A node asks its room for the project's shared memory, a role's model, what
memory recalls for a query, production's studio, and to perform a role's task,
`room.perform(role, task, schema, variables, ...)`, with the run's model,
language, retries, ledger and check for copied examples filled in.

Behind it, infrastructure is opened from the runtime context once per process
(`project_memory`, `project_runs`, closed by `close_all`); nothing is created
at import time, and nothing here ever enters graph state.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.config import get_config
from langgraph.constants import CONFIG_KEY_CHECKPOINTER
from langgraph.runtime import Runtime
from pydantic import BaseModel

from agents import models
from agents.base import Role, perform, task_messages
from agents.copying import copy_check, plain, scrub
from agents.handed import opening_of
from agents.models import RoomModel
from agents.nearness import measured
from agents.production import Studio
from agents.structured import Usage, stream_text
from graphs.context import Context
from graphs.events import emit, progress_event
from memory import RoomMemory, make_embedding_function
from tools.prices import Budget, BudgetExceededError
from tools.redaction import Redactor, marked_names

if TYPE_CHECKING:
    from graphs.runs import Runs

_lock = threading.Lock()
_memories: dict[str, RoomMemory] = {}
_runs_lock = threading.Lock()
_runs: dict[str, Runs] = {}
_redactors_lock = threading.Lock()
_redactors: dict[str, Redactor] = {}
SERVED = "__room_served__"  # in a run's configurable: a LangGraph server runs it (graphs.served marks its runs)


def project_memory(ctx: Context, *, writer: bool = True) -> RoomMemory:
    """The project's shared memory, opened once a process. A writer takes the project's one-writer lock;
    a reader only looks."""
    key = f"{ctx.project_dir}|{ctx.chroma_url}|{writer}"
    with _lock:
        if key not in _memories:
            _memories[key] = RoomMemory.open(
                Path(ctx.project_dir),
                chroma_url=ctx.chroma_url,
                embedding_function=make_embedding_function(
                    ctx.embeddings, redactor=project_redactor(ctx) if ctx.redacts_embeddings() else None
                ),
                writer=writer,
            )
        return _memories[key]


def project_redactor(ctx: Context) -> Redactor:
    """The placeholders for the project's personal data in this process (`tools.redaction`), one for its chat
    models and its embedder, so a placeholder means one value across calls; it knows the `private_names`."""
    with _redactors_lock:
        redactor = _redactors.setdefault(ctx.project_dir, Redactor())
    redactor.learn(ctx.private_names)
    return redactor


def served_saver() -> BaseCheckpointSaver | None:
    """The checkpointer of the LangGraph server running this node's graph (None: not on a server)."""
    try:
        configurable = get_config().get("configurable", {})
    except RuntimeError:  # not in a graph's step
        return None
    saver = configurable.get(CONFIG_KEY_CHECKPOINTER) if configurable.get(SERVED) else None
    if saver is None:
        return None
    from graphs.checkpoints import served_saver_here

    return served_saver_here() or (saver if isinstance(saver, BaseCheckpointSaver) else None)


def project_runs(ctx: Context) -> Runs:
    """The project's runs, opened once a process: how a node reads and changes a run other than its own
    (the chat graph's, the run it talks about). On a LangGraph server (`graphs.served` marks its runs `SERVED`)
    they are the server's runs, in its own checkpoints."""
    from graphs.checkpoints import ServerCheckpoints
    from graphs.runs import Runs  # the runs drive the graphs whose nodes use this module

    saver = served_saver()
    key = ctx.model_dump_json() + (f"|served {id(saver)}" if saver is not None else "")
    with _runs_lock:
        if key not in _runs:
            _runs[key] = Runs(ctx, checkpoints=ServerCheckpoints(saver) if saver is not None else None)
        return _runs[key]


def close_all() -> None:
    """Close what this process opened (the runs' checkpoints, the memories, releasing the writer lock)."""
    with _runs_lock:
        for runs in _runs.values():
            runs.close()
        _runs.clear()
    with _lock:
        for mem in _memories.values():
            mem.close()
        _memories.clear()
        _ledgers_read.clear()
    with _redactors_lock:
        _redactors.clear()


@dataclass
class Room:
    """One node's view of the room: the run's context, and the run and language it works in."""

    ctx: Context
    run_id: str = ""
    lang: str = ""  # the series' language ("": the context's)
    premise: str = ""
    episode: int = 0  # the episode in the works (0: the series), as the ledger files its calls
    budget: Budget | None = None  # what the run may spend on models (None: no limit)
    _models: dict[str, RoomModel] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.lang = self.lang or self.ctx.lang

    @classmethod
    def of(cls, runtime: Runtime[Context], state: Mapping[str, Any]) -> Room:
        """The room of a node: its runtime's context, and the run the state is of."""
        return cls.for_run(runtime.context, state)

    @classmethod
    def for_run(cls, ctx: Context, values: Mapping[str, Any]) -> Room:
        """The room of a run, from its values: its language, premise, episode in the works, and the models and
        budget it was started with (ones given to this process win)."""
        ctx = ctx.for_run(values.get("models"))
        # the names the writer marked in the premise and notes, hidden from a remote model even where a step's
        # prompt has them unmarked (as artifacts hold them), in a new process too
        project_redactor(ctx).learn(marked_names(values))
        return cls(
            ctx,
            values.get("run_id", ""),
            values.get("lang", ""),
            values.get("premise", ""),
            values.get("episode", 0),
            ctx.budget_of(values),
        )

    @property
    def memory(self) -> RoomMemory:
        return project_memory(self.ctx)

    @property
    def studio(self) -> Studio:
        """What production works with in this project (`agents.production`)."""
        ctx = self.ctx
        return Studio(
            outputs_dir=ctx.outputs_dir,
            state_dir=ctx.state_dir,
            memory=self.memory,
            images=ctx.images,
            speech=ctx.speech,
            render=ctx.render,
            models=(ctx.model, *ctx.role_models.values()),
            subtitles=ctx.subtitles,
            music=ctx.music,
            progress=progress_event,
        )

    def model(self, role: str) -> RoomModel:
        """A role's chat model, through the one factory (tests replace `models.load_chat_model`); one a node."""
        if role not in self._models:
            ctx = self.ctx
            self._models[role] = models.load_chat_model(
                ctx.model_for(role),
                base_url=ctx.base_url,
                structured_method=ctx.structured_method,
                temperature=ctx.temperature,
                timeout=ctx.request_timeout,
            )
            if ctx.redacts_chat(ctx.model_for(role)):
                self._models[role].redactor = project_redactor(ctx)
        return self._models[role]

    def recall(self, query: str) -> str:
        """What memory holds for `query` in this run, within the context's token budget, as prompt text."""
        mem = self.memory
        return mem.render(mem.recall(query, run_id=self.run_id, budget_tokens=self.ctx.recall_budget))

    def ledger(self, role: str, stage: str) -> Ledger:
        return Ledger(self.ctx, self.run_id, role, stage, self.episode, self.budget)

    def perform(
        self,
        role: Role,
        task: str,
        schema: type[BaseModel],
        variables: dict[str, Any],
        *,
        max_tokens: int,
        stage: str | None = None,
        own: str | None = None,
        said: str = "",
        revising: str = "",
    ) -> BaseModel:
        """`role`'s structured `task` on its model (`agents.base.perform`), its tokens in the ledger under `stage`
        (default: the task). With `own`, what the series itself says besides its premise, an answer that copies
        an example's names (or, from a model shown only some examples, tells a story nearer in meaning to one
        than to the premise: `agents.nearness`) is asked for once more without the examples, and what it copies
        word for word from its prompt, or from what the call `said` besides (the issues a revision answers), is
        taken out (`agents.copying.scrub`); what the version it is `revising` says stays (the issues quote it)."""
        compared = task if measured(task) and self.model(role.name).few_shot is not None else None
        copies = None if own is None else copy_check(role.name, self.lang, self.premise, own, compared)

        def scrubbed(answer: BaseModel) -> BaseModel:
            clean, changed = scrub(
                answer,
                role.name,
                self.lang,
                f"{self.premise}\n{own}\n{revising}",
                lambda path: plain(path, self.lang, opening_of(self.premise)),
                said,
            )
            if changed:
                emit(type="scrubbed", role=role.name, artifact=task, fields=changed)
            return clean

        return perform(
            role,
            task,
            schema,
            model=self.model(role.name),
            lang=self.lang,
            variables=variables,
            retries=self.ctx.max_retries,
            max_tokens=max_tokens,
            on_usage=self.ledger(role.name, stage or task),
            copies=copies,
            scrub=scrubbed if own is not None else None,
        )

    def stream(self, role: str, task: str, variables: dict[str, Any], *, stage: str) -> Iterator[str]:
        """`role`'s free-text `task`, streamed chunk by chunk (chat)."""
        model = self.model(role)
        messages = task_messages(role, task, self.lang, variables, model.few_shot)
        return stream_text(model, messages, on_usage=self.ledger(role, stage))


# ── the ledger: tokens and seconds per model call ────────────────────────


def ledger_path(ctx: Context) -> Path:
    return ctx.state_dir / "ledger.jsonl"


class Ledger:
    """The model calls of one role and stage of a run: each is checked against the run's budget before it starts
    (`agents.structured.ahead`) and written to the project's ledger after, with its tokens, seconds and cost."""

    def __init__(
        self, ctx: Context, run_id: str, role: str, stage: str, episode: int = 0, budget: Budget | None = None
    ):
        self.ctx, self.run_id, self.role, self.stage = ctx, run_id, role, stage
        self.episode, self.budget = episode, budget

    def before(self, model: str, prompt_tokens: int, max_tokens: int) -> None:
        """Refuse a call that could take the run past its budget (BudgetExceededError: resumable with a higher one)."""
        budget = self.budget
        if budget is None:
            return
        price = self.ctx.price(model)
        if price is None and budget.unit == "usd":
            raise BudgetExceededError(
                f"run {self.run_id} has a budget of {budget.shown()} but no price for '{model}': "
                "set one in room.toml [prices], or give the budget in tokens"
            )
        spent = run_spending(self.ctx, self.run_id, budget)
        worst = budget.spent(price.of(prompt_tokens, max_tokens) if price else 0.0, prompt_tokens + max_tokens)
        if spent + worst > budget.amount:
            raise BudgetExceededError(
                f"run {self.run_id} has spent {budget.shown(spent)} of its {budget.shown()} budget, and the next "
                f"call ({self.role}, {self.stage}) could take up to {budget.shown(worst)}: stopped before it; "
                f"go on with a higher budget: room resume {self.run_id} --budget AMOUNT"
            )

    def __call__(self, usage: Usage) -> None:
        price = self.ctx.price(usage.model)
        line = {
            "ts": round(time.time(), 3),
            "run_id": self.run_id,
            "role": self.role,
            "stage": self.stage,
            "episode": self.episode,
            "model": usage.model,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "seconds": round(usage.seconds, 3),
            "cost": None if price is None else round(price.of(usage.input_tokens, usage.output_tokens), 6),
        }
        path = ledger_path(self.ctx)
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")


def run_spending(ctx: Context, run_id: str, budget: Budget) -> float:
    """What the run has spent, in the budget's unit (dollars or tokens)."""
    rows = read_ledger(ctx, run_id)
    return sum(budget.spent(r.get("cost") or 0.0, r["input_tokens"] + r["output_tokens"]) for r in rows)


# what this process has read of each ledger: (file identity, bytes read, rows); a ledger only grows by whole lines
_ledgers_read: dict[Path, tuple[tuple[int, int], int, list[dict]]] = {}


def read_ledger(ctx: Context, run_id: str | None = None) -> list[dict]:
    """The ledger's rows (of one run, or all), reading only the lines written since this process last read it: the
    budget is checked before every model call, and a long series writes thousands of rows."""
    path = ledger_path(ctx)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return []
    with _lock:
        identity, offset, rows = _ledgers_read.get(path, ((stat.st_dev, stat.st_ino), 0, []))
        if identity != (stat.st_dev, stat.st_ino) or stat.st_size < offset:  # another file now: read it whole
            identity, offset, rows = (stat.st_dev, stat.st_ino), 0, []
        with path.open("rb") as handle:
            handle.seek(offset)
            added = handle.read()
        whole = added[: added.rfind(b"\n") + 1]  # a line another process is still writing waits for the next read
        rows = rows + [json.loads(line) for line in whole.decode("utf-8").splitlines() if line.strip()]
        _ledgers_read[path] = (identity, offset + len(whole), rows)
    return [r for r in rows if run_id is None or r["run_id"] == run_id]


def summarize_ledger(rows: list[dict], by: tuple[str, ...] = ("role", "stage")) -> dict[tuple, dict[str, float]]:
    """Calls, tokens, model seconds and cost, grouped (per role and stage by default); `unpriced` counts the calls
    of a model with no price, whose cost is unknown."""
    totals: dict[tuple, dict[str, float]] = {}
    for row in rows:
        key = tuple(row.get(k, 0) for k in by)
        t = totals.setdefault(
            key, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "seconds": 0.0, "cost": 0.0, "unpriced": 0}
        )
        t["calls"] += 1
        t["input_tokens"] += row["input_tokens"]
        t["output_tokens"] += row["output_tokens"]
        t["seconds"] += row["seconds"]
        if row.get("cost") is None:
            t["unpriced"] += 1
        else:
            t["cost"] += row["cost"]
    return totals
