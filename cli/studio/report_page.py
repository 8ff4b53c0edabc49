"""The run's report: the series' arc, the ledger, the decisions log, each episode's frames and video."""

from __future__ import annotations

from fastapi import APIRouter, Request

from cli.studio import report
from cli.studio.app import page
from cli.studio.control import Control

router = APIRouter()


@router.get("/runs/{run_id}/report")
def run_report(request: Request, run_id: str):
    control: Control = request.app.state.control
    gathered = report.gather(control.ctx, control.runs.view(run_id))
    return page(request, "report.html", **report.page_values(control.ctx, gathered, standalone=False))
