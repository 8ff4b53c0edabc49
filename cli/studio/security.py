"""Who may use the studio, and what it may serve.

- **The token.** The URL `room studio` prints carries an access token, as
  Jupyter's does. The first visit with it sets an HttpOnly, SameSite=Strict
  cookie and is redirected to the same page without it (so it leaves the
  address bar and the history); every other request needs the cookie (or the
  token as `?token=` or an `Authorization: Bearer` header, for scripts).
- **Cross-site POSTs.** A POST must carry the page's CSRF token (a urlencoded form field
  or the `X-CSRF-Token` header: an HMAC of the access token, so it is nothing
  to steal), and an `Origin` other than the studio's own is refused. The
  SameSite cookie already keeps a cross-site form from being signed in.
- **Files.** Only from a run's own output folder, by a relative path that
  stays inside it once links are followed: an absolute path, `..`, a link out,
  a folder are all "not found".
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from fastapi import Request
from fastapi.responses import PlainTextResponse, RedirectResponse

from tools.errors import OutputError
from tools.files import inside

COOKIE = "room_studio"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


def new_token() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(token: str) -> str:
    """The CSRF token of a studio: derived from its access token, the same for every page."""
    return hmac.new(token.encode(), b"room studio csrf", hashlib.sha256).hexdigest()[:32]


def same(a: str | None, b: str) -> bool:
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())


def presented(request: Request) -> str | None:
    """The token the request came with: the cookie, `?token=`, or a Bearer header."""
    bearer = request.headers.get("authorization", "")
    return (
        request.cookies.get(COOKIE)
        or request.query_params.get("token")
        or (bearer[7:] if bearer.lower().startswith("bearer ") else None)
    )


def foreign_origin(request: Request) -> bool:
    """A request sent by a page of another site (its `Origin` names another host than this one)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin == "null"
    return urlsplit(origin).netloc != request.headers.get("host", "")


MAX_BODY = 5 * 1024 * 1024  # bytes a POST may carry (an edited artifact, a note)


def form_field(body: bytes, content_type: str, name: str) -> str | None:
    """A field of an urlencoded form (the studio's forms post no files)."""
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return None
    values = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).get(name)
    return values[0] if values else None


class TokenGate:
    """ASGI middleware: every request needs the token; every POST needs the CSRF token and no foreign origin.

    A POST's body is read here (to find the form's CSRF field) and handed on whole to the page."""

    def __init__(self, app, token: str):
        self.app = app
        self.token = token
        self.csrf = csrf_token(token)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        request = Request(scope)
        if not same(presented(request), self.token):
            reply = PlainTextResponse("the studio needs its token: open the URL `room studio` printed", 401)
            return await reply(scope, receive, send)
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            body = b""
            more = True
            while more:
                message = await receive()
                body += message.get("body", b"")
                more = message.get("more_body", False)
                if len(body) > MAX_BODY:
                    return await PlainTextResponse("the request is too large", 413)(scope, receive, send)
            sent = request.headers.get(CSRF_HEADER) or form_field(
                body, request.headers.get("content-type", ""), CSRF_FIELD
            )
            if foreign_origin(request) or not same(sent, self.csrf):
                reply = PlainTextResponse("refused: this request did not come from the studio's own page", 403)
                return await reply(scope, receive, send)
            receive = _replay(body)
        if request.query_params.get("token") and request.method == "GET":
            # the first visit: keep the token in a cookie, and take it out of the address bar and the history
            url = request.url.remove_query_params("token")
            reply = RedirectResponse(url.path + (f"?{url.query}" if url.query else ""), status_code=303)
            reply.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return await reply(scope, receive, send)
        await self.app(scope, receive, send)


def _replay(body: bytes):
    """A `receive` that hands the app the body already read, then waits for the client to go."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


def served_file(root: Path, relative: str) -> Path | None:
    """The file `relative` names inside `root` (links followed), or None: nothing outside it is ever served."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative or ":" in relative:
        return None
    try:
        path = inside(root, relative)
    except (OutputError, OSError, ValueError):
        return None
    return path if path.is_file() else None
