"""An episode: its cut in a 9:16 player, the storyboard, the script, the subtitles, each line's audio and the
cast; redraw one shot, re-voice one line or recast a voice and get the incremental re-render; its final-cut gate.

A line re-voiced (another voice, pitch or rate: `Revoice`) is spoken again on its own, and kept for the
episode's next render; a character recast (`Runs.cast`) has all their lines spoken again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from agents.production import Redraw, Revoice
from cli.studio.app import page
from cli.studio.control import Control
from cli.studio.episode import delivery_of, episode_number, read_episode, rendering, seed_of
from graphs.gates import FINAL_CUT
from tools.errors import InputError, RoomError

router = APIRouter()


def control_of(request: Request) -> Control:
    return request.app.state.control


def wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


def not_found(request: Request, message: str):
    return page(request, "error.html", status_code=404, message=message)


def waiting_here(view, number: int) -> dict | None:
    """The final-cut gate the run waits at, when it is this episode's."""
    waiting = view.waiting or {}
    return waiting if waiting.get("gate") == FINAL_CUT and waiting.get("episode") == number else None


def show(request: Request, run_id: str, n: str, *, status_code: int = 200, error: str = "", form: dict | None = None):
    """The episode page; with `error`, the one line that refused a form, beside it, and what was typed in it."""
    control = control_of(request)
    number = episode_number(n)
    if run_id not in control.runs.run_ids() or number is None:
        return not_found(request, f"no run {run_id!r} with an episode {n!r} in this project")
    view = control.runs.view(run_id)
    episode = read_episode(control.ctx.outputs_dir, run_id, number, view.values.get("lang") or control.ctx.lang)
    if episode is None:
        return not_found(request, f"episode {number} of run {run_id} is not produced yet")
    return page(
        request,
        "episode.html",
        status_code=status_code,
        episode=episode,
        view=view,
        gate=waiting_here(view, number),
        voices=view.values.get("voices", {}),
        busy=control.busy(run_id),
        after=control.feed(run_id).next_id - 1,  # the live log shows what happens from now on
        error=error,
        form=form or {},
    )


def refused(request: Request, run_id: str, n: str, exc: RoomError, form: dict):
    """A form the run refused: the page again with the refusal beside the form and what was typed kept (a
    script gets the one line alone, as from every page)."""
    if not wants_html(request):
        raise exc
    status = 400 if isinstance(exc, InputError) else 409
    return show(request, run_id, n, status_code=status, error=str(exc), form=form)


@router.get("/runs/{run_id}/episodes/{n}")
def episode(request: Request, run_id: str, n: str):
    return show(request, run_id, n)


def work(request: Request, run_id: str, n: str, form: dict, start: Callable[[int], Iterator[dict]], then: str = ""):
    """Drive what `start(episode)` makes in the background, then show `then` (default: the episode's page); a
    refusal (raised before any work starts) shows the form again with it."""
    control = control_of(request)
    try:
        number = _number(n)
        control.drive(run_id, lambda: start(number))
    except RoomError as exc:
        return refused(request, run_id, n, exc, form)
    return RedirectResponse(then or f"/runs/{run_id}/episodes/{number}", status_code=303)


def rerender(request: Request, run_id: str, n: str, form: dict, kind: str, change: Callable[[], object]):
    """Make the person's `change` (`Runs.render`'s `redraw` or `revoice`: refused in one line if it is not
    one), then re-render the episode with it in the background."""
    runs = control_of(request).runs
    try:
        made = change()
    except RoomError as exc:
        return refused(request, run_id, n, exc, form)
    return work(
        request,
        run_id,
        n,
        form,
        lambda number: rendering(lambda p: runs.render(run_id, number, progress=p, **{kind: made}), number),
    )


@router.post("/runs/{run_id}/episodes/{n}/redraw")
def redraw(
    request: Request,
    run_id: str,
    n: str,
    shot: Annotated[str, Form()] = "",
    prompt: Annotated[str, Form()] = "",
    seed: Annotated[str, Form()] = "",
):
    """Redraw one shot (a new prompt and a seed, both optional) and re-render what it is in, in the background."""
    form = {"form": "redraw", "shot": shot, "prompt": prompt, "seed": seed}
    return rerender(
        request, run_id, n, form, "redraw", lambda: Redraw(shot=shot, prompt=prompt.strip() or None, seed=seed_of(seed))
    )


@router.post("/runs/{run_id}/episodes/{n}/revoice")
def revoice(
    request: Request,
    run_id: str,
    n: str,
    line: Annotated[str, Form()] = "",
    voice: Annotated[str, Form()] = "",
    pitch: Annotated[str, Form()] = "",
    rate: Annotated[str, Form()] = "",
):
    """Speak one line again (another voice, pitch or rate) and re-render what it is in, in the background."""
    form = {"form": "revoice", "line": line, "voice": voice, "pitch": pitch, "rate": rate}
    return rerender(
        request,
        run_id,
        n,
        form,
        "revoice",
        lambda: Revoice(
            line=line, voice=voice.strip() or None, pitch=delivery_of(pitch, "pitch"), rate=delivery_of(rate, "rate")
        ),
    )


@router.post("/runs/{run_id}/episodes/{n}/recast")
def recast(
    request: Request,
    run_id: str,
    n: str,
    character: Annotated[str, Form()] = "",
    voice: Annotated[str, Form()] = "",
):
    """Give a character another voice, then re-render the episode: only their lines are spoken again."""
    runs = control_of(request).runs

    def start(number: int) -> Iterator[dict]:
        runs.cast(run_id, character, voice.strip())  # an unknown character or voice is refused here
        return rendering(lambda p: runs.render(run_id, number, progress=p), number)

    return work(request, run_id, n, {"form": "recast", "character": character, "voice": voice}, start)


@router.post("/runs/{run_id}/episodes/{n}/final_cut")
def final_cut(
    request: Request,
    run_id: str,
    n: str,
    action: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
):
    """Answer the episode's final cut: approve it, or reject it with a note (back to its script)."""
    runs = control_of(request).runs

    def start(number: int) -> Iterator[dict]:
        if action not in ("approve", "reject"):
            raise InputError(f"the final cut is approved or rejected, not {action[:20]!r}")
        note_ = note if action == "reject" else None
        return runs.answer(run_id, action, note=note_, gate=FINAL_CUT, episode=number)

    return work(request, run_id, n, {"form": "final_cut", "note": note}, start, then=f"/runs/{run_id}")


def _number(n: str) -> int:
    number = episode_number(n)
    if number is None:
        raise InputError(f"{n[:20]!r} is not an episode number")
    return number
