"""An OpenAI-compatible server that answers badly on purpose, for tests of the real client path.

    python tests/fault_server.py        # prints READY <base_url>, serves until killed

It serves /v1/chat/completions (plain and streamed), /v1/models and
/v1/embeddings; any other POST (images, speech) gets its scheduled fault,
else a 404. A test sets its plan through the control endpoint
(`FaultServer.plan` below): valid replies queued per response-format schema
name (the last one of a queue is repeated; `"text"` for free-text chat), and
a schedule of faults. The log (`FaultServer.log`) records each request's
body as it arrived, so a test can see all that reached the server. Each request takes the first fault whose `match` fits
its schema name (or any request, without `match`), `times` times:

    prose · truncated · wrong_types · empty · length (finish_reason=length)
    status (`status`, default 500; `retry_after` sets Retry-After) · 429 · 500
    hang (`seconds`, then a valid reply) · drop (close without an answer) · html
    not_json (a body that says it is JSON and is not)

Anything else gets the next valid reply. Like a real server, it cuts a reply
longer than the request's `max_tokens` (a token is 4 characters here, as in
its usage figures) and says `finish_reason=length`.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import subprocess
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

CHARS_PER_TOKEN = 4  # how this server counts tokens, in its limits and its usage figures
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><h1>It works!</h1></body></html>"
FAULTS = (
    "prose",
    "truncated",
    "wrong_types",
    "empty",
    "length",
    "status",
    "429",
    "500",
    "hang",
    "drop",
    "html",
    "not_json",
)


class Plan:
    """The replies and faults a test asked for, and a log of what each request got."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.set({})

    def set(self, body: dict) -> None:
        with self.lock:
            self.replies: dict[str, list] = {k: list(v) for k, v in body.get("replies", {}).items()}
            self.faults: list[dict] = [dict(f) for f in body.get("faults", [])]
            self.log: list[dict] = []

    def take(self, schema: str, stream: bool, asked: str = "", body: str = "") -> tuple[dict | None, object]:
        """The fault for this request (if any) and the valid reply it is built on."""
        with self.lock:
            fault = next((f for f in self.faults if f.get("match") in (None, schema)), None)
            if fault is not None:
                fault["times"] = fault.get("times", 1) - 1
                if fault["times"] <= 0:
                    self.faults.remove(fault)
            queue = self.replies.get(schema) or ["A plain answer from the test server."]
            reply = queue.pop(0) if len(queue) > 1 and fault is None else queue[0]
            self.log.append(
                {
                    "schema": schema,
                    "stream": stream,
                    "fault": fault and fault["fault"],
                    "asked": asked,
                    "body": body,
                    "at": time.time(),
                }
            )
            return fault, reply


def schema_name(body: dict) -> str:
    rf = body.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return rf.get("json_schema", {}).get("name", "json")
    if body.get("tools"):
        return body["tools"][0].get("function", {}).get("name", "tool")
    return "json" if rf.get("type") == "json_object" else "text"


def last_message(body: dict) -> str:
    """The end of the last message a request sends: where the room puts its retry's reason."""
    messages = body.get("messages") or [{}]
    content = messages[-1].get("content") or ""
    return (content if isinstance(content, str) else json.dumps(content))[-300:]


def faulty_content(kind: str, reply: object) -> str:
    """The message text a content fault puts in place of the valid reply."""
    text = reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)
    if kind == "prose":
        return "Certainly! Here is what I came up with: a woman returns to take back what was hers."
    if kind in ("truncated", "length"):
        return text[: max(1, len(text) // 2)]
    if kind == "wrong_types":
        return json.dumps({key: 12345 for key in reply} if isinstance(reply, dict) else [12345])
    if kind == "empty":
        return ""
    return text


def within_limit(content: str, body: dict) -> tuple[str, str]:
    """`content` as a server with the request's token limit sends it, and its finish reason."""
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    if limit and len(content) > CHARS_PER_TOKEN * limit:
        return content[: CHARS_PER_TOKEN * limit], "length"
    return content, "stop"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    plan: Plan  # set on the class by serve()

    def log_message(self, *args) -> None:  # quiet
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout): nothing to answer
            pass

    def send(
        self, status: int, body: bytes, content_type: str = "application/json", headers: dict | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status: int, data: object, headers: dict | None = None) -> None:
        self.send(status, json.dumps(data, ensure_ascii=False).encode(), headers=headers)

    def read_body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        self.raw = self.rfile.read(length).decode("utf-8", "replace")
        return json.loads(self.raw or "{}")

    def do_GET(self) -> None:
        if self.path.rstrip("/") == "/v1/models":
            self.send_json(
                200, {"object": "list", "data": [{"id": "test", "object": "model", "owned_by": "room-tests"}]}
            )
        elif self.path == "/control/log":
            with self.plan.lock:
                self.send_json(200, self.plan.log)
        else:
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        body = self.read_body()
        if self.path == "/control/plan":
            self.plan.set(body)
            self.send_json(200, {"ok": True})
            return
        if self.path == "/v1/embeddings":
            schema, stream = "embeddings", False
        elif self.path == "/v1/chat/completions":
            schema, stream = schema_name(body), bool(body.get("stream"))
        else:
            schema, stream = self.path.rsplit("/", 1)[-1], False
        fault, reply = self.plan.take(schema, stream, last_message(body), self.raw)
        kind = fault["fault"] if fault else None
        if kind in ("status", "429", "500"):
            status = int(fault.get("status", kind if kind != "status" else 500))
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            self.send_json(
                status,
                {"error": {"message": fault.get("message", f"scheduled fault {status}"), "type": "server_error"}},
                headers,
            )
            return
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "html":
            self.send(int(fault.get("status", 200)), HTML_PAGE, "text/html; charset=utf-8")
            return
        if kind == "not_json":
            self.send(200, b"upstream said: everything is fine {", "application/json")
            return
        if kind == "hang":
            time.sleep(float(fault.get("seconds", 30)))
        if self.path == "/v1/embeddings":
            self.send_json(200, embeddings(body))
        elif self.path != "/v1/chat/completions":
            self.send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
        else:
            content, finish = within_limit(faulty_content(kind, reply), body)
            finish = "length" if kind == "length" else finish
            (self.stream if stream else self.complete)(content, finish)

    def complete(self, content: str, finish: str) -> None:
        self.send_json(
            200,
            {
                "id": "chatcmpl-fault",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "test",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}
                ],
                "usage": {
                    "prompt_tokens": 10,
                    "completion_tokens": max(1, len(content) // CHARS_PER_TOKEN),
                    "total_tokens": 10 + max(1, len(content) // CHARS_PER_TOKEN),
                },
            },
        )

    def stream(self, content: str, finish: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        base = {"id": "chatcmpl-fault", "object": "chat.completion.chunk", "created": int(time.time()), "model": "test"}
        pieces = [content[i : i + 12] for i in range(0, len(content), 12)]
        chunks = [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]
        chunks += [{"index": 0, "delta": {"content": p}, "finish_reason": None} for p in pieces]
        chunks += [{"index": 0, "delta": {}, "finish_reason": finish}]
        for choice in chunks:
            self.wfile.write(b"data: " + json.dumps({**base, "choices": [choice]}).encode() + b"\n\n")
        usage = {"prompt_tokens": 10, "completion_tokens": len(pieces), "total_tokens": 10 + len(pieces)}
        self.wfile.write(b"data: " + json.dumps({**base, "choices": [], "usage": usage}).encode() + b"\n\n")
        self.wfile.write(b"data: [DONE]\n\n")


def embeddings(body: dict) -> dict:
    texts = body.get("input") or []
    texts = [texts] if isinstance(texts, str) else texts
    vectors = [[b / 255 for b in hashlib.sha256(str(t).encode()).digest()[:16]] for t in texts]
    return {
        "object": "list",
        "model": "test",
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
        "usage": {"prompt_tokens": len(texts), "total_tokens": len(texts)},
    }


def serve() -> None:
    Handler.plan = Plan()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("READY", f"http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    server.serve_forever()


class FaultServer:
    """The server as a separate process, driven from a test."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve())], stdout=subprocess.PIPE, text=True
        )
        ready = self.process.stdout.readline().split()
        if not ready or ready[0] != "READY":
            self.process.kill()
            raise RuntimeError("the fault server did not start")
        self.base_url = ready[1]
        atexit.register(self.close)

    def _call(self, path: str, data: dict | None = None) -> object:
        request = urllib.request.Request(
            self.base_url.removesuffix("/v1") + path,
            method="POST" if data is not None else "GET",
            data=None if data is None else json.dumps(data).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    def plan(self, replies: dict | None = None, faults: list | None = None) -> None:
        """Replace the plan: valid replies per schema name, and the faults to serve first."""
        for fault in faults or []:
            assert fault["fault"] in FAULTS, fault
        self._call("/control/plan", {"replies": replies or {}, "faults": faults or []})

    def log(self) -> list[dict]:
        """What each request since the last plan asked for (`body`: all it sent, as it arrived) and which fault
        it got."""
        return self._call("/control/log")

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


if __name__ == "__main__":
    serve()
