"""The studio's app: `create_app(control, token)` for `room studio` and for the tests.

Pages are server-rendered Jinja templates (autoescaped: model text is always
text); the little JavaScript there is is the studio's own, served from the
package (no CDN, no build step), and works offline.
"""

from __future__ import annotations

import functools
import io
import traceback
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from cli.studio import security
from cli.studio.control import Control
from cli.studio.words import translate
from cli.views import money
from graphs.errors import UnknownRunError
from tools.errors import ConfigError, InputError, RoomError
from tools.fonts import cjk_font_path

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.globals["money"] = money


def page(request: Request, name: str, status_code: int = 200, **values) -> HTMLResponse:
    """A template rendered in the project's language, with what every page needs (the CSRF token, the words)."""
    app = request.app
    control: Control = app.state.control
    lang = control.ctx.lang
    return templates.TemplateResponse(
        request,
        name,
        {"t": translate(lang), "lang": lang, "csrf": app.state.csrf, "csrf_field": security.CSRF_FIELD, **values},
        status_code=status_code,
    )


@functools.cache
def cjk_truetype() -> bytes:
    """The first face of the bundled CJK font collection (a .ttc, which browsers do not load) as one TrueType."""
    from fontTools.ttLib import TTCollection

    buffer = io.BytesIO()
    TTCollection(str(cjk_font_path())).fonts[0].save(buffer)
    return buffer.getvalue()


def create_app(control: Control, token: str) -> FastAPI:
    from cli.studio import chat_page, episode_page, gate_page, memory_page, report_page, runs_page

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        control.stop()

    app = FastAPI(title="Writers' Room studio", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan)
    app.state.control = control
    app.state.chats = chat_page.Chats(control.runs)
    app.state.csrf = security.csrf_token(token)
    app.add_middleware(security.TokenGate, token=token)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    pages = (runs_page, gate_page, episode_page, memory_page, chat_page, report_page)
    for router in (p.router for p in pages):
        app.include_router(router)

    @app.get("/fonts/cjk.ttf")
    def cjk_font():
        """The bundled CJK font, for a machine whose browser has none (the CSS asks for it only for CJK text)."""
        return Response(cjk_truetype(), media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})

    @app.exception_handler(RoomError)
    async def room_error(request: Request, exc: RoomError):
        """The room's one-line errors, as the CLI says them; an input error keeps its form (see each page)."""
        status = 400 if isinstance(exc, (InputError, ConfigError)) else 404 if isinstance(exc, UnknownRunError) else 409
        if "text/html" in request.headers.get("accept", ""):
            return page(request, "error.html", status_code=status, message=str(exc))
        return PlainTextResponse(str(exc), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError):
        """A malformed field (a word where a number goes) is the person's input: one line, as the CLI says it."""
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ())[1:]) or "the request"
        return await room_error(request, InputError(f"{where}: {first.get('msg', 'not valid')}"))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception):
        """A bug: one line on the page, the traceback in the project's error log (as the CLI keeps it)."""
        log = Path(control.ctx.state_dir) / "error.log"
        log.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        return PlainTextResponse(f"internal error: {type(exc).__name__} (details in {log})", status_code=500)

    return app
