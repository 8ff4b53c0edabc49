"""A scripted chat model that replays queued replies, one queue per role.

Tests point every role at `scripted:<role>` and install `scripted_factory` in
place of `agents.models.load_chat_model` — the one model seam — so the room
runs unchanged on canned replies. A reply is a dict (sent as JSON), a string,
a callable taking the messages, or {"sleep": seconds, "reply": ..., "mark": file touched when the call starts}.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict

from agents.models import RoomModel

ROLES = ("screenwriter", "cultural_consultant", "director", "art_director", "editor")


class Script:
    """Queues of replies per role, and a log of every call."""

    def __init__(self, queues: dict[str, list] | None = None, responder=None):
        self.queues: dict[str, deque] = defaultdict(deque)
        self.calls: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        # with no reply queued: a reply made for the JSON schema asked for (see factories.reply_for)
        self.responder = responder
        for role, replies in (queues or {}).items():
            self.enqueue(role, *replies)

    def enqueue(self, role: str, *replies: Any) -> "Script":
        self.queues[role].extend(replies)
        return self

    def enqueue_first(self, role: str, reply: Any) -> "Script":
        """A reply that comes before those already queued (an answer out of turn: a chat change)."""
        self.queues[role].appendleft(reply)
        return self

    def next(self, role: str, messages: list, schema: dict | None = None) -> str:
        with self.lock:
            queue = self.queues[role] or self.queues["*"]
            if not queue and self.responder is not None:
                queue = deque([self.responder(schema)])
            if not queue:
                raise AssertionError(f"scripted model: no reply queued for {role}")
            reply = queue.popleft()
            self.calls.append({"role": role, "messages": messages})
        if isinstance(reply, dict) and "sleep" in reply:
            if reply.get("mark"):  # tells a test that this call is under way
                Path(reply["mark"]).touch()
            time.sleep(reply["sleep"])
            reply = reply["reply"]
        if callable(reply):
            reply = reply(messages)
        return reply if isinstance(reply, str) else json.dumps(reply, ensure_ascii=False)

    def remaining(self) -> int:
        return sum(len(q) for q in self.queues.values())


class ScriptedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    script: Script
    role: str

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def _generate(self, messages, stop=None, run_manager=None, **kwargs) -> ChatResult:
        asked = kwargs.get("response_format") or {}
        text = self.script.next(self.role, list(messages), asked.get("json_schema", {}).get("schema"))
        message = AIMessage(
            text,
            usage_metadata={
                "input_tokens": 10,
                "output_tokens": max(1, len(text) // 4),
                "total_tokens": 10 + max(1, len(text) // 4),
            },
        )
        return ChatResult(generations=[ChatGeneration(message=message)])


def scripted_factory(script: Script):
    """A replacement for `agents.models.load_chat_model`."""

    def load_chat_model(spec: str, **_: Any) -> RoomModel:
        provider, _, role = spec.partition(":")
        assert provider == "scripted", f"a test asked for a real model: {spec}"
        return RoomModel(chat=ScriptedChatModel(script=script, role=role), spec=spec)

    return load_chat_model


def scripted_overrides() -> dict[str, Any]:
    """Context overrides that point every role at its own script queue."""
    # scripted replies are fixed: a guard sending them back to vary would only run the queues dry
    return {"model": "scripted:*", "role_models": {r: f"scripted:{r}" for r in ROLES}, "originality": False}
