"""The room's errors every layer raises, and the one translation of the openai client's errors.

Errors the *model* caused (invalid JSON, a reply that fails validation) are
handled where the model is called: the message goes back to the model for a
bounded number of retries, and only then becomes a `ModelOutputError`.
Everything else is a typed exception raised where the problem is found; only
the CLI turns these into one line and an exit code (`cli.app.exit_code`).

They live in `tools`, the lowest layer, because the tools raise them and so
does everything above; each package above adds only its own
(`memory.errors`, `agents.errors`, `graphs.errors`), all under `RoomError`.

`openai_errors` is the one place the openai client's exceptions become the
room's: chat, streaming, embeddings, image and speech backends all call
through it, so one failure has one exit code wherever it happens.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager


class RoomError(Exception):
    """Base of every error the room reports to a person."""


class ConfigError(RoomError):
    """A setting is missing, malformed or contradicts another."""


class MissingKeyError(ConfigError):
    """A provider needs an API key that the environment does not hold."""


class KeyRefusedError(MissingKeyError):
    """The server refused the API key the environment holds: a setting to fix, like a missing key."""


class ModelUnavailableError(RoomError):
    """The model server could not be reached or started."""


class ModelOutputError(RoomError):
    """The model kept answering with output that fails validation."""


class InputError(RoomError):
    """Something the person gave (premise, edit file, note) is not usable."""


class OutputError(RoomError):
    """An output could not be written."""


# ── the openai client's errors, translated in one place ─────────────────

API_RETRIES = 2  # the openai client's own retries: 429 (waiting Retry-After, up to 2 min), 5xx, timeouts, drops


def first_problem(exc) -> tuple[str, str]:
    """The first thing a pydantic `ValidationError` found wrong: where ("scenes.0.lines"; "" for the whole value)
    and what, in the validator's own words (pydantic's "Value error, " prefix dropped)."""
    err = exc.errors()[0]
    return ".".join(str(p) for p in err["loc"]), err["msg"].removeprefix("Value error, ")


def _first_line(text: object, limit: int = 160) -> str:
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    return line[:limit] + ("…" if len(line) > limit else "")


def _is_page(response) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip().lower() in (
        "text/html",
        "application/xhtml+xml",
    )


def _refuse_non_api_reply(response) -> None:
    """An httpx response hook: a 2xx reply that is an HTML page, or says JSON and is not, is not the API.

    The openai client hands such a body on as text and the caller fails on it
    far away; raised here, it is an `APIResponseValidationError` that
    `openai_errors` turns into one line. Errors (4xx/5xx) go on to the
    client's retries: a proxy's 502 page is often passing.
    """
    import openai

    if not 200 <= response.status_code < 300:
        return
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if _is_page(response) or kind.startswith("text/") and kind != "text/event-stream":
        response.read()
        what = "an HTML page" if _is_page(response) else kind
        raise openai.APIResponseValidationError(
            response,
            None,
            message=f"answered {response.status_code} with {what}, not the API's JSON: is the base URL right?",
        )
    if kind.endswith("json"):
        body = response.read()
        try:
            json.loads(body or b"{}")
        except ValueError:
            said = _first_line(body.decode("utf-8", "replace"), 60)
            raise openai.APIResponseValidationError(
                response, None, message=f"answered {response.status_code} with a body that is not JSON: {said!r}"
            ) from None


@functools.cache
def _http_client():
    """One connection pool for the process, with the reply check (the timeout is set per request)."""
    import openai

    return openai.DefaultHttpxClient(event_hooks={"response": [_refuse_non_api_reply]})


def client_options(timeout: float) -> dict:
    """Timeout, retries and the reply check for any openai client (`OpenAI(...)`, `ChatOpenAI(...)`)."""
    return {"timeout": timeout, "max_retries": API_RETRIES, "http_client": _http_client()}


def _status_line(exc) -> str:
    if _is_page(exc.response):
        return f"answered {exc.status_code} with an HTML page, not the API: is the base URL right?"
    said = exc.body.get("message") if isinstance(exc.body, dict) else None
    return f"answered {exc.status_code}: {_first_line(said or exc.message)}"


def _root_cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return _first_line(exc)


@contextmanager
def openai_errors(server: str, key_env: str | None = None) -> Iterator[None]:
    """Turn the openai client's exceptions into the room's; `server` names what was called, `key_env` its key.

    A refused key is a configuration problem (exit 3) whoever calls; an
    unreachable, failing, rate-limiting or non-API server is exit 4, after the
    client's own bounded retries.
    """
    import openai

    try:
        yield
    except openai.APIResponseValidationError as exc:
        raise ModelUnavailableError(f"{server} {_first_line(exc.message)}") from None
    except openai.APITimeoutError:
        raise ModelUnavailableError(
            f"{server} did not answer in time ({API_RETRIES + 1} tries; ROOM_TIMEOUT sets the limit)"
        ) from None
    except openai.APIConnectionError as exc:
        cause = _root_cause(exc)
        raise ModelUnavailableError(f"{server} cannot be reached" + (f" ({cause})" if cause else "")) from None
    except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
        raise KeyRefusedError(
            f"{server} refused the key ({exc.status_code}): check {key_env or 'the API key in the environment'}"
        ) from None
    except openai.RateLimitError as exc:
        wait = exc.response.headers.get("retry-after")
        asked = f", asking to wait {wait} s" if wait else ""
        raise ModelUnavailableError(
            f"{server} is rate-limiting (429{asked}): finished steps are saved, resume later"
        ) from None
    except openai.APIStatusError as exc:
        raise ModelUnavailableError(f"{server} {_status_line(exc)}") from None
    except openai.ContentFilterFinishReasonError:
        raise ModelOutputError(f"{server} withheld the reply (content filter)") from None
