"""A gate: the waiting artifact as a document, its versions and their diff, the negotiation behind it, the open
dissent; approve, edit (YAML in a form, errors inline, nothing lost) or reject with a note.

The page posts the gate and episode it showed, and `Runs.answer` answers only that gate: an answer meant for one
gate never lands on the next one. `answer` refuses an invalid answer (an empty note, an edit that is not a valid
artifact) before any work starts, so such a refusal is shown in the form, with what the person typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from cli.studio import gate_view
from cli.studio.app import page
from cli.studio.control import Control
from graphs.room import project_memory
from graphs.runs import RunView
from tools.errors import InputError

router = APIRouter()


def control_of(request: Request) -> Control:
    return request.app.state.control


def gate_values(control: Control, view: RunView, a: int | None = None, b: int | None = None) -> dict:
    """Everything the gate page shows of the gate `view` waits at."""
    waiting = view.waiting or {}
    values: dict = {"view": view, "waiting": waiting, "busy": control.busy(view.run_id)}
    if not waiting:
        return values
    gate, episode = waiting["gate"], waiting.get("episode", 0)
    lang = view.values.get("lang") or control.ctx.lang
    artifact = gate_view.memory_artifact(gate, episode)
    records = gate_view.records_of(project_memory(control.ctx), view.run_id, artifact)
    found = gate_view.versions(records)
    compared = gate_view.pair(found, a, b)
    name = "script" if gate == "final_cut" else gate
    return values | {
        "artifact": artifact,
        "document": gate_view.document(gate, waiting.get("content") or {}, lang),
        "versions": found,
        "compared": compared,
        "diff": gate_view.diff(name, *compared, lang) if compared else [],
        "steps": gate_view.negotiation(records, found),
        "edit_text": gate_view.as_yaml(waiting.get("content") or {}) if "edit" in waiting.get("actions", []) else "",
    }


@router.get("/runs/{run_id}/gate")
def gate(request: Request, run_id: str, a: int | None = None, b: int | None = None):
    control = control_of(request)
    return page(request, "gate.html", **gate_values(control, control.runs.view(run_id), a, b))


@router.post("/runs/{run_id}/gate")
def answer(
    request: Request,
    run_id: str,
    action: Annotated[str, Form()],
    gate: Annotated[str, Form()],
    episode: Annotated[int, Form()] = 0,
    note: Annotated[str, Form()] = "",
    content: Annotated[str, Form()] = "",
):
    """Answer the gate the page showed; a refused answer comes back in its form, as typed, with status 400."""
    control = control_of(request)
    try:
        edited = gate_view.read_yaml(gate, content) if action == "edit" else None
        control.drive(
            run_id,
            lambda: control.runs.answer(run_id, action, content=edited, note=note, gate=gate, episode=episode),
        )
    except InputError as exc:
        view = control.runs.view(run_id)
        if not view.waiting or view.waiting["gate"] != gate:
            raise  # not this gate's form: one line
        values = gate_values(control, view)
        if action == "edit":
            values["edit_text"] = content
        return page(
            request, "gate.html", status_code=400, **values, error={"action": action, "message": str(exc)}, note=note
        )
    return RedirectResponse(f"/runs/{run_id}", status_code=303)
