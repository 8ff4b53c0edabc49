"""The run's report: the series' arc, the ledger, the decisions log, each episode's frames and video."""

from __future__ import annotations

import threading

from fastapi import APIRouter, Request

from cli.studio import report
from cli.studio.app import page
from cli.studio.control import Control

router = APIRouter()
# matplotlib takes about half a second to import: done in the background as the studio starts, not on the first
# visit to a report (the arc itself is drawn once per outline, in about 0.1 s for 40 episodes, then reused)
threading.Thread(target=report.load_plotting, name="load-matplotlib", daemon=True).start()


@router.get("/runs/{run_id}/report")
def run_report(request: Request, run_id: str):
    control: Control = request.app.state.control
    gathered = report.gather(control.ctx, control.runs.view(run_id))
    return page(request, "report.html", **report.page_values(control.ctx, gathered, standalone=False))
