"""What a reviewer returns (`Critique`) and what an owner answers with (`Revision`).

Shared by every role: any role can review, and every owner revises the same way.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, Field

A = TypeVar("A", bound=BaseModel)


class Verdict(StrEnum):
    APPROVE = "approve"
    REVISE = "revise"
    BLOCK = "block"


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class Issue(BaseModel):
    severity: Severity
    quote: str = Field(description="the passage the issue is about, quoted", max_length=300)
    problem: str = Field(max_length=300)
    fix: str = Field(description="the change the reviewer proposes", max_length=300)


class Critique(BaseModel):
    verdict: Verdict
    summary: str = Field(max_length=400)
    issues: list[Issue] = Field(default_factory=list, max_length=5)


class Answer(BaseModel):
    issue: int = Field(ge=1, description="number of the issue answered, as listed")
    response: str = Field(max_length=300)
    accepted: bool = True


class Revision(BaseModel, Generic[A]):
    artifact: A
    answers: list[Answer] = Field(default_factory=list, max_length=20)
