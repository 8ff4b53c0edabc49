"""What a reviewer returns (`Critique`) and what an owner answers with (`Revision`).

Shared by every role: any role can review, and every owner revises the same way.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from enum import StrEnum
from typing import Callable, Generic, TypeVar

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

    def grounded_in(
        self,
        texts: list[str],
        borrowed: Callable[[str], bool] = lambda text: False,
        echoes: Callable[[str], bool] = lambda text: False,
    ) -> "Critique":
        """The critique with only the issues whose quote stands in `texts` (the reviewed artifact's strings) and
        whose problem and fix have no sentence `borrowed` from another story or that `echoes` its prompt, and
        without the summary's sentences that are or do (any run of its words: a summary is the reviewer's own
        judgement of this story, and the 270M consultant's "宫女对皇帝的称呼也…" of its example's Tang palace came
        back, reworded around the run, in a wuxia series with no palace; the 270M editor asked a 魔尊 series to cut
        a beat down to its example's "这一拍只留喜房里的约定", a wedding room the series does not have).

        A reviewer must quote what it reviews; a quote found nowhere is a
        complaint about something else (a small model repeating its few-shot
        example's problem: a phone in a Tang palace). So is a problem, a fix or
        a summary in its example's words or with its example's people ("Vera is
        right for 1926, but Jack wears clothes from a century later", of a
        medieval series). It is judged a sentence at a time: the embedded
        consultant approved a karaoke bar's script with its example's whole
        sentence "The setting, the inheritance law and the cross-border heir
        are plausible." followed by its own words; the director, its example's
        first clause before a ", but" of its own. When every issue of a
        critique that asked for changes is of that kind, nothing it asked for
        can be acted on, and it counts as an approval.
        """

        def borrows(text: str) -> bool:  # a run of the prompt in one of its sentences is a run in all of it
            return echoes(text) or any(borrowed(sentence) for sentence in sentences(text))

        kept = [
            issue
            for issue in self.issues
            if quoted_from(issue.quote, texts) and not borrows(issue.problem) and not borrows(issue.fix)
        ]
        said = sentences(self.summary)
        own = [sentence for sentence in said if not borrows(sentence)]
        # a run across two sentences ("…ends by releasing its tension, | so no…", the 270M editor's example) takes both
        while (pair := next((i for i in range(len(own) - 1) if echoes(own[i] + own[i + 1])), None)) is not None:
            del own[pair : pair + 2]
        summary = self.summary if len(own) == len(said) else "".join(own).strip().rstrip(",，")
        if len(kept) == len(self.issues) and summary == self.summary:
            return self
        asks = kept or (summary and not self.issues)  # what is left to act on: its issues, else its summary
        verdict = self.verdict if asks or self.verdict == Verdict.APPROVE else Verdict.APPROVE
        return self.model_copy(update={"issues": kept, "verdict": verdict, "summary": summary})


# a sentence, or a clause after a semicolon or before a comma and a conjunction, with the marks and space that end
# it: a small model writes its example's first clause and goes on with its own ("The hook is a grab, a face and a
# whispered line inside 3 seconds, but when we see her…")
_SENTENCE = re.compile(
    r"[^.!?;。！？；]+?(?:[.!?;。！？；]+\s*|,\s*(?=(?:and|but|so|yet|while|though|although|whereas)\b)"
    r"|，(?=但|而|却|可是|只是|不过)|$)"
)


def sentences(text: str) -> list[str]:
    """`text` cut into its sentences and clauses (`_SENTENCE`), each with the marks and space that end it."""
    return _SENTENCE.findall(text)


def strings_of(value):
    """Every string in an artifact (a pydantic dump), in order."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings_of(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_of(v)


QUOTE_SHARE = 0.6  # how much of a quote must stand word for word in the artifact (models trim and re-punctuate)


def _folded(text: str) -> str:
    return " ".join(text.casefold().split())


def quoted_from(quote: str, texts: list[str]) -> bool:
    """Whether `quote` comes from one of `texts`: whole, or a long enough stretch of it."""
    wanted = _folded(quote).strip(" \"'“”‘’.,;:!?。，；：！？")
    if not wanted:
        return False
    for text in map(_folded, texts):
        if wanted in text:
            return True
        match = SequenceMatcher(None, wanted, text, autojunk=False).find_longest_match(0, len(wanted), 0, len(text))
        if match.size >= max(8, QUOTE_SHARE * len(wanted)):
            return True
    return False


class Answer(BaseModel):
    issue: int = Field(ge=1, description="number of the issue answered, as listed")
    response: str = Field(max_length=300)
    accepted: bool = True


class Revision(BaseModel, Generic[A]):
    artifact: A
    answers: list[Answer] = Field(default_factory=list, max_length=20)
