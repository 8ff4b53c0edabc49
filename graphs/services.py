"""Infrastructure opened from the runtime context, once per process.

Nodes ask here for the shared memory and for a role's model; nothing is
created at import time, and nothing here ever enters graph state.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from agents import models
from agents.models import RoomModel
from agents.production import Studio
from agents.structured import Usage, UsageSink
from graphs.context import Context
from memory import RoomMemory, make_embedding_function

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
                embedding_function=make_embedding_function(ctx.embeddings, ctx.embeddings_base_url),
                writer=writer,
            )
        return _memories[key]


def close_all() -> None:
    with _lock:
        for mem in _memories.values():
            mem.close()
        _memories.clear()


def studio(ctx: Context) -> Studio:
    """What production works with in this project (`agents.production`)."""
    return Studio(outputs_dir=ctx.outputs_dir, state_dir=ctx.state_dir, memory=memory(ctx), images=ctx.images,
                  speech=ctx.speech, render=ctx.render, models=(ctx.model, *ctx.role_models.values()))


def model(ctx: Context, role: str) -> RoomModel:
    """A role's chat model, through the one factory (tests replace `models.load_chat_model`)."""
    return models.load_chat_model(
        ctx.model_for(role),
        base_url=ctx.base_url,
        structured_method=ctx.structured_method,
        temperature=ctx.temperature,
        timeout=ctx.request_timeout,
    )


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
