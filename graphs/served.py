"""The room's graphs as LangGraph's server serves them (`langgraph.json`, `langgraph dev`).

A served run takes what a person would say and nothing else: a development
run starts from `ServedRunInput` (a premise; its language, episodes and gates
that pass on their own, each optional), and the graph fills in the rest of
what `Runs.start` gives a local run — its id (the server's thread id), its
models and budget. Its settings (models, memory, checkpoints of the room's own
stores) are the server's project's: `room.toml` and `ROOM_*` in the folder
`ROOM_PROJECT` names, else the server's working folder. A client's `context`
is not read: what a run is allowed to spend, the models it sends work to and
the folders it writes are the server's to say.

The `chat` graph's input is a line about a run (`graphs.chat.ChatInput`: a
run id, an action, a message): on the server the run it reads and changes is
the server's, a thread in its own checkpoints, not one in the project's
database.

The wrapper `ProjectGraph` is the compiled graph with these steps before
every run (and a room error after one as a line the server shows its
client); nodes, checkpoints and the state's schema are unchanged.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any, Literal

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from graphs import chat, development, episode, negotiation
from graphs.checkpoints import served_checkpoints
from graphs.context import Context, load_context
from graphs.room import SERVED
from graphs.runs import MAX_PREMISE_CHARS, initial_state
from tools.errors import ConfigError, InputError, RoomError, first_problem

PROJECT_ENV = "ROOM_PROJECT"


class RunInputError(InputError, ValueError):
    """A served run refused before it starts (its input, or the project's settings): a `ValueError` as well, the
    kind of error whose message the server shows its client (it hides other errors' text)."""


class RoomFailure(ValueError):
    """A room error that stopped a served run, as one line "Kind: message" — a `ValueError`, so the server shows
    its client the line (`graphs.served_runs` turns it back into the room's error, for the same exit code)."""

    @classmethod
    def of(cls, exc: RoomError) -> RoomFailure:
        return cls(f"{type(exc).__name__}: {exc}")


class ServedRunInput(BaseModel):
    """What starts a served development run: a premise, and optionally its terms (else the project's)."""

    model_config = ConfigDict(extra="forbid")

    premise: str = Field(description="What the series is about, in a sentence.", max_length=MAX_PREMISE_CHARS)
    lang: Literal["en", "zh"] | None = Field(None, description="The series' language (default: the project's).")
    episodes: int | None = Field(None, ge=1, le=100, description="Episodes in the outline (default: the project's).")
    auto_approve: list[str] | None = Field(
        None,
        description="Gates that pass on their own: pitch, bible, outline, script, final_cut, or 'all' "
        "(default: the project's).",
    )


def server_context() -> Context:
    """The room's settings on this server: its project's (ROOM_PROJECT, else the working folder)."""
    return load_context(os.environ.get(PROJECT_ENV) or ".")


def start_run(payload: Any, config: dict | None, ctx: Context) -> Any:
    """A new run's input (a dict with a premise) as the room's full initial state; anything else (an answer to
    a gate, None to go on) as it is."""
    if not isinstance(payload, dict) or "premise" not in payload:
        return payload
    try:
        given = ServedRunInput.model_validate(payload)
    except ValidationError as exc:
        where, what = first_problem(exc)
        raise InputError(f"invalid run input {where}: {what}" if where else what) from None
    run_id = ((config or {}).get("configurable") or {}).get("thread_id")
    if not run_id:
        raise InputError("a served run needs a thread: create one and start the run on it")
    try:  # the terms checked as the project's settings are, with the same one-line errors
        terms = load_context(
            ctx.project_dir,
            {"lang": given.lang, "episodes": given.episodes, "auto_approve": _gates(given.auto_approve)},
        )
    except ConfigError as exc:
        raise InputError(f"invalid run input {str(exc).removeprefix('invalid setting ')}") from None
    return initial_state(
        ctx, str(run_id), given.premise, lang=terms.lang, episodes=terms.episodes, auto_approve=terms.auto_approve
    )


def _gates(names: list[str] | None) -> tuple[str, ...] | None:
    return tuple(names) if names is not None else None


def as_is(payload: Any, config: dict | None, ctx: Context) -> Any:
    return payload


def served_config(config: Any) -> dict:
    """A served run's config, marked: the runs its nodes read and change (chat's) are the server's, in its
    checkpointer (`graphs.room.project_runs`)."""
    config = dict(config or {})
    config["configurable"] = {**(config.get("configurable") or {}), SERVED: True}
    return config


class ProjectGraph(CompiledStateGraph):
    """A compiled graph whose runs get the server's project as their context and their input completed."""

    # set per served graph (`serve`): how a client's input becomes the graph's, and the input's JSON schema
    complete: Callable[[Any, dict | None, Context], Any] = staticmethod(as_is)
    input_model: type[BaseModel] | None = None

    def _prepare(self, payload: Any, config: dict | None) -> tuple[Any, Context]:
        try:
            ctx = server_context()
            if isinstance(payload, Command):
                return payload, ctx
            return type(self).complete(payload, config, ctx), ctx
        except (InputError, ConfigError) as exc:
            raise RunInputError(str(exc)) from None

    def stream(self, input: Any, config: Any = None, *, context: Any = None, **kwargs: Any) -> Iterator[Any]:
        payload, ctx = self._prepare(input, config)
        config = served_config(config)
        try:
            yield from super().stream(payload, config, context=ctx, **kwargs)
        except RoomError as exc:
            raise RoomFailure.of(exc) from exc

    async def astream(self, input: Any, config: Any = None, *, context: Any = None, **kwargs: Any) -> AsyncIterator:
        payload, ctx = await asyncio.to_thread(self._prepare, input, config)  # reads room.toml: off the event loop
        config = served_config(config)
        try:
            async for chunk in super().astream(payload, config, context=ctx, **kwargs):
                yield chunk
        except RoomError as exc:
            raise RoomFailure.of(exc) from exc

    def get_input_jsonschema(self, config: Any = None) -> dict[str, Any]:
        if self.input_model is not None:
            return self.input_model.model_json_schema()
        return super().get_input_jsonschema(config)

    def get_context_jsonschema(self) -> dict[str, Any] | None:
        return None  # the context is the server's project's: a client gives none


def serve(
    compiled: CompiledStateGraph,
    complete: Callable[[Any, dict | None, Context], Any] = as_is,
    input_model: type[BaseModel] | None = None,
) -> ProjectGraph:
    """`compiled` as the server runs it (the copy LangGraph's own `copy` makes, as a `ProjectGraph`)."""
    kind = type(
        "ServedGraph",
        (ProjectGraph,),
        {"complete": staticmethod(complete), "input_model": input_model, "__module__": __name__},
    )
    attrs = {k: v for k, v in compiled.__dict__.items() if k != "__orig_class__"}
    return kind(**attrs)


@asynccontextmanager
async def checkpointer() -> AsyncIterator[BaseCheckpointSaver]:
    """The served runs' checkpoints (`langgraph.json`'s `checkpointer`): the project's own database
    (`graphs.checkpoints.served_checkpoints`), so a served run outlives the server that ran it."""
    ctx = await asyncio.to_thread(server_context)
    async with served_checkpoints(ctx) as saver:
        yield saver


development_graph = serve(development.graph, start_run, ServedRunInput)
episode_graph = serve(episode.graph)
negotiation_graph = serve(negotiation.graph)
chat_graph = serve(chat.graph)
