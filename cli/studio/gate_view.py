"""What the gate page shows, read from the run and its memory: no HTTP here.

- its versions, who wrote each, and a line diff between any two (`versions`, `diff`);
- the negotiation that produced it, version by version (`negotiation`): the proposal or revision (with the
  owner's answer to each issue), each reviewer's verdict and issues, the room's outcome, the person's answers;
- the edit form's text (`as_yaml`) and reading it back (`read_yaml`), in one line when it is not YAML.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from agents.roles import to_markdown
from graphs.state import artifact_id
from memory import Kind, MemoryRecord, RoomMemory
from tools.errors import InputError

TALK = (Kind.CRITIQUE, Kind.REVISION, Kind.DECISION, Kind.NOTE)


def memory_artifact(gate: str, episode: int) -> str:
    """Memory's id of what a gate shows: "bible", "ep01.script" (the final cut is of its episode's script)."""
    return artifact_id("script" if gate == "final_cut" else gate, episode)


# ── versions ─────────────────────────────────────────────────────────────


@dataclass
class Version:
    number: int
    author: str  # a role, or "human"
    status: str  # proposed | approved | rejected
    at: str
    content: dict


def records_of(memory: RoomMemory, run_id: str, artifact: str) -> list[MemoryRecord]:
    """Everything memory holds of one artifact of a run (its versions, the talk about them), oldest first."""
    return memory.list(run_id=run_id, artifact=artifact)


def versions(records: list[MemoryRecord]) -> list[Version]:
    """Every version of the artifact among its records, oldest first; a version written twice (a re-run step)
    once, as last written."""
    found: dict[int, Version] = {}
    for r in records:
        if r.kind != Kind.ARTIFACT:
            continue
        found[r.version] = Version(
            r.version, r.role, str(r.status), r.created_at[:16].replace("T", " "), _content(r.text)
        )
    return [found[n] for n in sorted(found)]


def _content(text: str) -> dict:
    try:
        content = json.loads(text)
    except ValueError:
        return {}
    return content if isinstance(content, dict) else {}


@dataclass
class DiffLine:
    kind: str  # "add" | "del" | "same" | "hunk"
    text: str


def diff(name: str, older: Version, newer: Version, lang: str) -> list[DiffLine]:
    """A line diff of two versions as a person reads them (their Markdown); [] when they read the same."""
    a = to_markdown(name, older.content, lang).splitlines() if older.content else []
    b = to_markdown(name, newer.content, lang).splitlines() if newer.content else []
    lines = []
    for line in difflib.unified_diff(a, b, f"v{older.number}", f"v{newer.number}", n=2, lineterm=""):
        if line.startswith(("---", "+++")):
            continue
        kind = {"@": "hunk", "+": "add", "-": "del"}.get(line[:1], "same")
        lines.append(DiffLine(kind, line if kind == "hunk" else line[1:]))
    return lines


def pair(found: list[Version], a: int | None, b: int | None) -> tuple[Version, Version] | None:
    """The two versions to compare: those asked for (in order, oldest first), else the last two."""
    by_number = {v.number: v for v in found}
    if a in by_number and b in by_number and a != b:
        return by_number[min(a, b)], by_number[max(a, b)]
    return (found[-2], found[-1]) if len(found) >= 2 else None


# ── the negotiation ──────────────────────────────────────────────────────


@dataclass
class Issue:
    severity: str = ""
    quote: str = ""
    problem: str = ""
    fix: str = ""
    text: str = ""  # the line as written, when it does not read as an issue


@dataclass
class Review:
    reviewer: str
    round: int
    verdict: str = ""
    summary: str = ""
    issues: list[Issue] = field(default_factory=list)


@dataclass
class Answer:
    number: str
    issue: str
    answer: str = ""
    accepted: bool | None = None


@dataclass
class Step:
    """One version in the negotiation: who wrote it and answered what, then what was said about it."""

    version: int
    author: str = ""
    round: int = 0
    answers: list[Answer] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    said: list[MemoryRecord] = field(default_factory=list)  # the room's outcome, the person's notes and decisions

    @property
    def made(self) -> str:
        """How this version came to be: "proposed", "revised" (answering issues or notes) or "edited" (a person)."""
        return "edited" if self.author == "human" else "proposed" if self.version == 1 else "revised"


def negotiation(records: list[MemoryRecord], found: list[Version]) -> list[Step]:
    """The artifact's negotiation, version by version, from what the room wrote to memory of it."""
    steps = {v.number: Step(v.number, v.author) for v in found}
    for r in records:
        if r.kind not in TALK:
            continue
        step = steps.setdefault(r.version, Step(r.version))
        if r.kind == Kind.CRITIQUE:
            step.reviews.append(review(r))
        elif r.kind == Kind.REVISION:
            step.author, step.round, step.answers = r.role, r.round, answers(r.text)
        else:
            step.said.append(r)
    for step in steps.values():
        step.reviews.sort(key=lambda v: (v.round, v.reviewer))
        if not step.round:
            step.round = min((v.round for v in step.reviews), default=0)
    return [steps[n] for n in sorted(steps)]


_HEADER = re.compile(r"^(?P<reviewer>\S+) on \S+ v\d+: (?P<verdict>\w+)\.\s*(?P<summary>.*)$")
_ISSUE = re.compile(r'^- \[(?P<severity>[^\]]*)\] "(?P<quote>.*)": (?P<problem>.*?) → (?P<fix>.*)$')


def review(record: MemoryRecord) -> Review:
    """A critique record as verdict, summary and issues: JSON when it is JSON, else the line format the
    negotiation writes (`<reviewer> on <artifact> vN: <verdict>. <summary>` then `- [severity] "quote": problem
    → fix`), else the text as it is."""
    found = Review(record.role or record.key, record.round)
    parsed = _json(record.text)
    if parsed is not None:
        found.verdict, found.summary = str(parsed.get("verdict", "")), str(parsed.get("summary", ""))
        found.issues = [
            Issue(**{k: str(i.get(k, "")) for k in ("severity", "quote", "problem", "fix")})
            for i in parsed.get("issues", [])
            if isinstance(i, dict)
        ]
        return found
    first, *rest = record.text.splitlines() or [""]
    header = _HEADER.match(first)
    if header:
        found.verdict, found.summary = header["verdict"], header["summary"]
    else:
        found.summary = first
    for line in rest:
        issue = _ISSUE.match(line)
        if issue:
            found.issues.append(Issue(**issue.groupdict()))
        elif line.strip():
            found.issues.append(Issue(text=line.strip()))
    return found


def _json(text: str) -> dict | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


_NUMBERED = re.compile(r"^(?P<number>\d+)\.\s*(?P<text>.*)$")
_ANSWER = re.compile(r"^(?P<how>accepted|declined):\s*(?P<text>.*)$")


def answers(text: str) -> list[Answer]:
    """A revision record's issues, each with the owner's answer (`N. accepted|declined: response`)."""
    _, _, rest = text.partition("\nIssues:\n")
    issues, _, replies = rest.partition("\nAnswers:\n")
    found: dict[str, Answer] = {}
    for line in issues.splitlines():
        numbered = _NUMBERED.match(line)
        if numbered:
            found[numbered["number"]] = Answer(numbered["number"], numbered["text"])
        elif line.strip():
            found[str(len(found) + 1)] = Answer(str(len(found) + 1), line.strip())
    for line in replies.splitlines():
        numbered = _NUMBERED.match(line)
        if not numbered:
            continue
        answer = found.setdefault(numbered["number"], Answer(numbered["number"], ""))
        how = _ANSWER.match(numbered["text"])
        answer.accepted = how["how"] == "accepted" if how else None
        answer.answer = how["text"] if how else numbered["text"]
    return list(found.values())


# ── the edit form ────────────────────────────────────────────────────────


def as_yaml(content: dict) -> str:
    return yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)


def read_yaml(gate: str, text: str) -> Any:
    """The person's edit as data; YAML that does not read is said in one line."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"the edited {gate} is not valid YAML{where}: {problem}") from None
