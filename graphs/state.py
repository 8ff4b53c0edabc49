"""Graph state: plain JSON-able data only, so checkpoints stay portable.

Artifacts are stored as dicts (validated pydantic dumps); infrastructure and
secrets never enter state.

Each graph has its own state with a declared input and output: the
negotiation subgraph receives what the room hands over (`NegotiationInput`)
and returns only what it produced (`NegotiationOutput`), so nothing of the
room's (the decisions log above all) is ever handed back to be added again;
a run starts with `RunInput` and gives back `RunOutput`, the episode graph on
its own takes `EpisodeInput` and gives back `EpisodeOutput`. The room's
`Cursor` (the artifact and episode in the works, how the negotiation went, the
answer not yet recorded) steers the negotiation and the gates and is no
graph's output.
The one accumulating list, `decisions`, is keyed besides: an entry whose id
is already there is not added twice, whoever hands it back.
"""

from __future__ import annotations

from typing import Annotated, Any

from typing_extensions import TypedDict  # pydantic (the graphs' JSON schemas) needs it before Python 3.12

from agents.roles import ARTIFACTS


def merge(left: dict | None, right: dict | None) -> dict:
    """Reducer: later keys win, earlier keys stay."""
    return {**(left or {}), **(right or {})}


def once_each(left: list[dict] | None, right: list[dict] | None) -> list[dict]:
    """Reducer of an event log: entries are added in order, each id once.

    An entry is an event (a gate's answer); handing the same event back (a
    subgraph returning the whole list, a node re-run on resume) adds nothing.
    """
    kept = list(left or [])
    seen = {entry.get("id") for entry in kept}
    for entry in right or []:
        if entry.get("id") not in seen:
            seen.add(entry.get("id"))
            kept.append(entry)
    return kept


class RunTerms(TypedDict, total=False):
    """What a run was started with that every step's room needs (`graphs.room.Room.for_run`): handed down to the
    negotiation and to each critique, so a step resumed by any process works on the run's own terms."""

    budget: dict[str, Any]  # {"amount", "unit"}: what the run may spend at most (a budget given later wins)
    models: dict[str, Any]  # {"model", "role_models"}: its chat models (models named by a later command win)


class NegotiationInput(RunTerms, total=False):
    """What the room hands the negotiation of one artifact."""

    run_id: str
    premise: str
    lang: str
    episodes: int
    episode: int  # the episode in the works (0 = a series artifact)
    current: str  # the artifact to negotiate
    artifacts: dict[str, dict]
    versions: dict[str, int]
    authors: dict[str, str]
    notes: dict[str, list[str]]  # the person's notes not yet answered by a revision


class Drafts(TypedDict, total=False):
    """What a negotiation writes, artifact name -> its content / current version / who wrote that version /
    the person's notes not yet answered by a revision."""

    artifacts: Annotated[dict[str, dict], merge]
    versions: Annotated[dict[str, int], merge]
    authors: Annotated[dict[str, str], merge]
    notes: Annotated[dict[str, list[str]], merge]


class DecisionLog(TypedDict, total=False):
    """Every gate answer so far, one entry per answer."""

    decisions: Annotated[list[dict[str, Any]], once_each]


class NegotiationOutput(Drafts, total=False):
    """What a negotiation gives back: the artifact's new version and how the negotiation went (the room keeps
    the outcome; the round it ended in is the negotiation's own cursor, which the room does not keep)."""

    round: int
    outcome: dict[str, Any]


class NegotiationState(NegotiationInput, NegotiationOutput, total=False):
    """The negotiation's own working state: its critiques never leave it."""

    reviews: Annotated[dict[str, dict], merge]  # "artifact@vN/reviewer" -> Critique dump
    # a long artifact's version written a part per step (`graphs.parts`), until every part is in: {"artifact",
    # "episode", "version", "episodes" (the series' so far), "answers" (the owner's so far)}; None: none
    draft: dict[str, Any] | None


class RunInput(DecisionLog, RunTerms, total=False):
    """What a run starts with (`Runs.start`): the development graph's declared input."""

    run_id: str
    premise: str
    lang: str
    episodes: int
    auto_approve: list[str]  # gates the run was started to pass on its own ("all" for every gate): kept on resume


class SeriesState(RunInput, Drafts, total=False):
    """What the series has made: every artifact, its version, author and approved version, the open notes."""

    approved: Annotated[dict[str, int], merge]


class ProductionState(TypedDict, total=False):
    """What production has made: per-episode data (keyed by `agents.production.episode_key`), the series' art
    and voice cast."""

    # "1" -> {"prompts", "produced"} (its script and shots are the run's artifacts); a finished one -> its summary
    production: Annotated[dict[str, dict], merge]
    art: dict[str, Any]  # {"style": StyleGuide, "sheets": {character: VisualSheet}}: fixed once, reused
    voices: Annotated[dict[str, dict], merge]  # character -> VoiceSpec: chosen once


class Cursor(TypedDict, total=False):
    """Where the room is: what steers the negotiation and the gates. It is no graph's output."""

    current: str | None  # the artifact the room is working on now
    episode: int  # the episode in the works (0 = none)
    outcome: dict[str, Any]  # how the artifact's negotiation went (its round is the negotiation's own)
    decision: dict[str, Any] | None  # the answer of the gate just passed, until it is recorded


class RunOutput(SeriesState, ProductionState, total=False):
    """What a run gives back: what the series and its production made (the cursor stays inside)."""


class RoomState(RunOutput, Cursor, total=False):
    """The development graph's own state: the run's, and where the room is."""


class EpisodeInput(SeriesState, ProductionState, total=False):
    """What the episode graph takes on its own: a run whose outline (and bible) is approved."""


class EpisodeOutput(Drafts, DecisionLog, ProductionState, total=False):
    """What the episode graph gives back: the episodes' artifacts and answers, and what production made."""


class CritiqueTask(RunTerms, total=True):
    """What one reviewer receives through `Send` (runs in parallel with the others)."""

    run_id: str
    lang: str
    current: str
    round: int
    artifacts: dict[str, dict]
    versions: dict[str, int]
    reviewer: str
    episode: int
    premise: str  # what the writer asked for: the originality guard does not count it against the writer
    era: str  # the bible's era, for deterministic era checks ("" before there is a bible)


def run_terms(state: RunTerms) -> RunTerms:
    """The run's terms in `state`, to hand down to a step that gets its own state (a critique through `Send`)."""
    return {key: state[key] for key in RunTerms.__annotations__ if key in state}  # type: ignore[return-value]


def artifact_id(name: str, episode: int = 0) -> str:
    """How memory and reviews name an artifact: "bible", or "ep01.script" for an episode's."""
    return f"ep{episode:02d}.{name}" if episode and ARTIFACTS[name].per_episode else name


def review_key(artifact: str, version: int, reviewer: str, episode: int = 0) -> str:
    return f"{artifact_id(artifact, episode)}@v{version}/{reviewer}"
