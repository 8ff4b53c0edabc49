"""A gate: the waiting artifact as a document, its versions and their diff, the negotiation behind it, the open
dissent; approve, edit (YAML in a form, errors inline, nothing lost) or reject with a note.

The page posts the gate and episode it showed, and `Runs.answer` answers only that gate: an answer meant for one
gate never lands on the next one. An edit is read (YAML) and validated (`validate_edit`) before the drive, and
`answer` refuses an empty note before any work starts, so such a refusal is shown in its form, with what the
person typed, and nothing is answered.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from cli.studio import gate_view
from cli.studio.app import page
from cli.studio.control import Control
from cli.studio.documents import document
from graphs.runs import RunView, validate_edit
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
    records = gate_view.records_of(control.memory(), view.run_id, artifact)
    found = gate_view.versions(records)
    compared = gate_view.pair(found, a, b)
    name = "script" if gate == "final_cut" else gate
    return values | {
        "artifact": artifact,
        "document": document(gate, waiting.get("content") or {}, lang),
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
    view = control.runs.view(run_id)
    ours = shows(view, gate, episode)
    try:
        edited = None
        if action == "edit":  # read and checked before any drive: a refusal is the form's, never the run's
            edited = gate_view.read_yaml(gate, content)
            edited = validate_edit(gate, edited) if ours else edited  # another gate's: `answer` refuses it
        control.drive(
            run_id,
            lambda: control.runs.answer(run_id, action, content=edited, note=note, gate=gate, episode=episode),
        )
    except InputError as exc:
        if not ours:
            raise  # not the waiting gate's form: one line
        values = gate_values(control, view)
        if action == "edit":
            values["edit_text"] = content
        return page(
            request, "gate.html", status_code=400, **values, error={"action": action, "message": str(exc)}, note=note
        )
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


def shows(view: RunView, gate: str, episode: int) -> bool:
    """Whether the run waits at the gate a page showed (the form's refusals are then shown in it)."""
    return bool(view.waiting) and (view.waiting["gate"], view.waiting.get("episode", 0)) == (gate, episode)
