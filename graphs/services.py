"""Infrastructure opened from the runtime context.

Nodes ask here for the shared memory (once per process), a role's model and
the image and speech backends (once per production pass); nothing is created
at import time, and nothing here ever enters graph state.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from agents import models
from agents.models import RoomModel
from agents.structured import Usage, UsageSink
from graphs.context import Context
from memory import RoomMemory, make_embedding_function
from tools.images import ImageBackend, create_image_backend
from tools.registry import BackendSpec
from tools.speech import SpeechBackend, create_speech_backend, default_backend_for

_lock = threading.Lock()
_memories: dict[str, RoomMemory] = {}


def memory(ctx: Context, *, writer: bool = True) -> RoomMemory:
    """The project's shared memory. A writer takes the project's one-writer lock; a reader only looks."""
    key = f"{ctx.project_dir}|{ctx.chroma_url}|{writer}"
    with _lock:
        if key not in _memories:
            _memories[key] = RoomMemory.open(
                Path(ctx.project_dir),
                chroma_url=ctx.chroma_url,
                embedding_function=make_embedding_function(ctx.embeddings),
                writer=writer,
            )
        return _memories[key]


def close_all() -> None:
    with _lock:
        for mem in _memories.values():
            mem.close()
        _memories.clear()


def model(ctx: Context, role: str) -> RoomModel:
    """A role's chat model, through the one factory (tests replace `models.load_chat_model`)."""
    return models.load_chat_model(
        ctx.model_for(role),
        base_url=ctx.base_url,
        structured_method=ctx.structured_method,
        temperature=ctx.temperature,
        timeout=ctx.request_timeout,
    )


def image_backend(ctx: Context) -> ImageBackend:
    """The configured image backend, built with its options."""
    return create_image_backend(ctx.images)


def speech_backend(ctx: Context, lang: str, name: str | None = None) -> SpeechBackend:
    """The speech backend called `name` (None: the configured one, else the language's), with the configured
    options when it is the configured one (a voice keeps the backend it was cast with)."""
    configured = ctx.speech or BackendSpec(provider=default_backend_for(lang))
    return create_speech_backend(configured if name in (None, configured.provider) else BackendSpec(provider=name))


def ledger_path(ctx: Context) -> Path:
    return ctx.state_dir / "ledger.jsonl"


def ledger(ctx: Context, run_id: str, role: str, stage: str) -> UsageSink:
    """A sink that appends each model call's tokens and seconds to the project ledger."""
    path = ledger_path(ctx)

    def record(usage: Usage) -> None:
        line = {
            "ts": round(time.time(), 3),
            "run_id": run_id,
            "role": role,
            "stage": stage,
            "model": usage.model,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "seconds": round(usage.seconds, 3),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    return record


def read_ledger(ctx: Context, run_id: str | None = None) -> list[dict]:
    path = ledger_path(ctx)
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if run_id is None or r["run_id"] == run_id]


def summarize_ledger(rows: list[dict], by: tuple[str, ...] = ("role", "stage")) -> dict[tuple, dict[str, float]]:
    """Calls, tokens and model seconds, grouped (per role and stage by default)."""
    totals: dict[tuple, dict[str, float]] = {}
    for row in rows:
        key = tuple(row[k] for k in by)
        t = totals.setdefault(key, {"calls": 0, "input_tokens": 0, "output_tokens": 0, "seconds": 0.0})
        t["calls"] += 1
        t["input_tokens"] += row["input_tokens"]
        t["output_tokens"] += row["output_tokens"]
        t["seconds"] += row["seconds"]
    return totals
