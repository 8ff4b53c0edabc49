"""The runs: every run with its state and what it has cost; start one; watch one live; its files."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, PlainTextResponse, RedirectResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from cli.studio import security
from cli.studio.app import page
from cli.studio.control import Control
from cli.views import spending_line
from graphs.context import GATES
from graphs.room import read_ledger, summarize_ledger
from graphs.runs import RunView
from tools.errors import InputError

router = APIRouter()
KEEP_ALIVE = 15  # seconds between the event stream's keep-alive comments


def control_of(request: Request) -> Control:
    return request.app.state.control


def run_row(control: Control, view: RunView, ledger: list[dict] | None = None) -> dict:
    """A run as the runs page lists it: its view, what it spent (and its budget), whether the studio drives it.
    `ledger`: the run's rows, when the page read the project's ledger once for every run."""
    totals = summarize_ledger(read_ledger(control.ctx, view.run_id) if ledger is None else ledger)
    usage = {"calls": sum(t["calls"] for t in totals.values())}
    usage["tokens"] = sum(t["input_tokens"] + t["output_tokens"] for t in totals.values())
    return {
        "view": view,
        "usage": usage,
        "spent": spending_line(totals, control.ctx.budget_of(view.values)).plain,
        "busy": control.busy(view.run_id),
    }


@router.get("/")
def runs(request: Request):
    control = control_of(request)
    ledger: dict[str, list[dict]] = {}
    for row in read_ledger(control.ctx):
        ledger.setdefault(row["run_id"], []).append(row)
    rows = [run_row(control, control.runs.view(r), ledger.get(r, [])) for r in reversed(control.runs.run_ids())]
    return page(request, "runs.html", rows=rows, gates=GATES, ctx=control.ctx)


@router.post("/runs")
def start(
    request: Request,
    premise: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    episodes: Annotated[int, Form(ge=1, le=100)] = 1,
    auto: Annotated[list[str] | None, Form()] = None,
    model: Annotated[str, Form()] = "",
):
    control = control_of(request)
    unknown = [g for g in auto or [] if g not in (*GATES, "all")]
    if unknown or lang not in ("", "en", "zh"):
        raise InputError(f"unknown gate or language: {', '.join(unknown) or lang}")
    run_id = control.start(
        premise,
        lang=lang or control.ctx.lang,
        episodes=episodes,
        auto_approve=tuple(auto or ()),
        model=model.strip() or None,
    )
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}")
def run(request: Request, run_id: str):
    control = control_of(request)
    seen = control.feed(run_id).next_id - 1  # read before the run: a "done" after it redraws the page
    view = control.runs.view(run_id)
    return page(request, "run.html", row=run_row(control, view), view=view, seen=seen)


@router.post("/runs/{run_id}/resume")
def resume(request: Request, run_id: str):
    control = control_of(request)
    control.drive(run_id, lambda: control.runs.resume(run_id))
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.get("/runs/{run_id}/events")
async def events(request: Request, run_id: str):
    """Server-Sent Events: every event of the run's drives in this studio, from the one after `Last-Event-ID`."""
    control = control_of(request)
    if not (control.busy(run_id) or control.known(run_id)):
        return PlainTextResponse(f"no run '{run_id}' in this project", status_code=404)
    feed = control.feed(run_id)
    last = int(request.headers.get("last-event-id") or request.query_params.get("after") or 0)

    async def stream():
        nonlocal last
        yield "retry: 2000\n\n"
        while not await request.is_disconnected():
            got = await run_in_threadpool(feed.since, last, KEEP_ALIVE)
            if not got:
                yield ": still here\n\n"
            for number, event in got:
                last = number
                yield f"id: {number}\ndata: {json.dumps(event, ensure_ascii=False, default=str)}\n\n"
            await asyncio.sleep(0)

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/files/{run_id}/{relative:path}")
def files(request: Request, run_id: str, relative: str):
    """A file of the run's outputs, and nothing outside them."""
    control = control_of(request)
    root = control.ctx.outputs_dir / run_id
    path = security.served_file(root, relative) if control.known(run_id) else None
    if path is None:
        return PlainTextResponse("not found", status_code=404)
    return FileResponse(path)
