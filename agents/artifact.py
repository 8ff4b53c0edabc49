"""What an artifact is, declared once beside the role that owns it.

An `Artifact` says everything the room needs to negotiate, gate, remember and
export one kind of document: its schema and how a series and an episode narrow
it, the variables its owner's prompt receives, its token budget, whether each
episode has its own, the canon records an approved version becomes, and its
Markdown. The graphs look these up and never compare artifact names, so adding
an artifact touches its role file, its prompt and a test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, NamedTuple

from pydantic import BaseModel, Field, create_model

from agents.critique import Revision
from memory import Kind

if TYPE_CHECKING:
    from agents.base import Role
    from agents.handed import Setting

# what every owner's revision prompt receives: the version to revise and the issues to answer
REVISION_INPUTS = ("artifact", "issues", "notes", "memory")
REVISION_TOKENS = 300  # a revision writes its answers to the issues besides the artifact


class Canon(NamedTuple):
    """One canon record an approved artifact becomes (the gate adds run, version and provenance)."""

    kind: Kind
    key: str
    text: str
    episode: int | None = None  # the episode it belongs to when not the artifact's own (an outline's entries)


class Part(NamedTuple):
    """Episodes `first` to `last` of a series of `series`, written in one answer."""

    first: int
    last: int
    series: int

    @property
    def episodes(self) -> int:
        return self.last - self.first + 1

    @property
    def whole(self) -> bool:
        return self.episodes == self.series


class Held(NamedTuple):
    """What a run holds an artifact's schema to: the cast, the scene numbers, the places, the era, the shots."""

    cast: tuple[str, ...] = ()
    scenes: tuple[int, ...] = ()
    places: tuple[str, ...] = ()
    era: str = ""
    shot_ids: tuple[str, ...] = ()
    opening: str = ""  # what the text opens with (a small model's logline: the premise; its script: the hook)
    steps: tuple[str, ...] = ()  # what its later parts open with, in order (a small model's scenes: the beats)
    title: str = ""  # the title it has (a small model's script: its episode's in the outline)
    roles: tuple[tuple[str, ...], ...] = ()  # each of its cast's roles (a small model's bible: `cast_roles`)
    titles: str = ""  # the pattern its titles match (a small model's: a title in the series' language)


# (schema, episodes, held) -> the schema for this series (unchanged when nothing is held and nothing counts)
Shape = Callable[[type[BaseModel], int, Held], type[BaseModel]]
# (approved artifacts, small model, handed setting, the episode in the works) -> what this run holds the schema to
Holds = Callable[[dict, bool, "Setting | None", int], Held]


@dataclass(frozen=True)
class Artifact:
    name: str
    schema: type[BaseModel]
    max_tokens: int  # the most its owner writes in one answer, for a series of one episode
    inputs: tuple[str, ...]  # the variables the owner's prompt for this artifact receives
    per_episode: bool = False  # each episode has its own ("ep01.script"); else one for the series
    gated: bool = True  # a person approves it at its own gate (else what follows it is gated)
    episode_field: str = ""  # the integer field holding the episode's number, pinned to it
    handed_setting: bool = False  # a small model writes it in the setting it was handed
    shape: Shape | None = None
    holds: Holds | None = None
    canon: Callable[[dict], list[Canon]] = lambda content: []
    markdown: Callable[[dict, dict], list[str]] | None = None  # (content, labels) -> lines
    # the JSON-schema keywords a small model's decoder gets, by "Model.field": left free it writes the least the
    # schema allows (one character, no dialogue, an empty beat) or loops until the schema stops it
    small_model: Mapping[str, Mapping[str, int]] = field(default_factory=dict, hash=False, compare=False)
    tokens_per_episode: int = 0  # what it writes more for each further episode of the series (an outline's)
    # a longer series has it written in parts of at most this many episodes, each part one answer (0: whole)
    part_episodes: int = 0

    revision_inputs = REVISION_INPUTS

    @property
    def owner(self) -> Role:
        from agents.roles import ROLES  # the roles' modules declare the artifacts, so look the roles up late

        return next(r for r in ROLES.values() if self.name in r.owns)

    @property
    def reviewers(self) -> list[Role]:
        from agents.roles import ROLES

        return [r for r in ROLES.values() if self.name in r.reviews]

    def tokens_for(self, episodes: int, revision: bool = False) -> int:
        """The most its owner may write in one answer for a series of `episodes` (a revision: its answers too).

        A series outline writes every episode in one answer: held to one episode's tokens, a 40-episode
        outline was cut off at the limit on every try and the run could never get past it."""
        grown = self.tokens_per_episode * max(0, episodes - 1)
        return self.max_tokens + grown + (REVISION_TOKENS if revision else 0)

    def tokens_in(self, values: dict, episodes: int, revision: bool = False) -> int:
        """`tokens_for` the series of the run whose state is `values` (`episodes` when it says none)."""
        return self.tokens_for(values.get("episodes", episodes), revision)

    def parts(self, episodes: int) -> list[Part]:
        """The parts a series of `episodes` has this artifact written in, as even as they come: one answer
        holding a 40-episode outline is 17k tokens, more than many providers write at once, and its revision
        reads that and writes it again, more than the embedded model's slot holds beyond about 60 episodes."""
        if not self.part_episodes or episodes <= self.part_episodes:
            return [Part(1, episodes, episodes)]
        count = -(-episodes // self.part_episodes)
        size, extra = divmod(episodes, count)
        parts, first = [], 1
        for place in range(count):
            last = first + size + (place < extra) - 1
            parts.append(Part(first, last, episodes))
            first = last + 1
        return parts

    @property
    def revision_schema(self) -> type[BaseModel]:
        return _revision_of(self.schema)

    def schema_for(self, episodes: int, episode: int = 0, *held: object, **named: object) -> type[BaseModel]:
        """The schema for this series and episode: the episode's number pinned, then the artifact's own
        `shape` (an outline's number of episodes; what a run holds it to, the fields of `Held`)."""
        schema = self.schema
        if episode and self.episode_field:
            schema = _pinned(schema, self.episode_field, episode)
        if self.shape is not None:
            schema = self.shape(schema, episodes, Held(*held, **named))
        return schema

    def revision_for(self, episodes: int, episode: int = 0, *held: object, **named: object) -> type[BaseModel]:
        return _revision_of(self.schema_for(episodes, episode, *held, **named))

    def schema_in(
        self,
        values: dict,
        episodes: int,
        *,
        small: bool,
        handed: Setting | None = None,
        revision: bool = False,
        part: Part | None = None,
    ) -> type[BaseModel]:
        """The schema the owner writes this artifact in, in the run whose state is `values`: held to
        what the artifact's `holds` takes from the approved artifacts (and a small model's setting); for a
        `part` of its series, that part's episodes, and only the first part opens the text."""
        episode = values.get("episode", 0)
        held = self.holds(values.get("artifacts", {}), small, handed, episode) if self.holds else Held()
        count = values.get("episodes", episodes)
        if part is not None:
            count = part.episodes
            held = held if part.first == 1 else held._replace(opening="")
        build = self.revision_for if revision else self.schema_for
        return build(count, episode, *held)


@cache
def _pinned(schema: type[BaseModel], field: str, value: int) -> type[BaseModel]:
    """`schema` with the integer `field` held to `value` (the decoder can write nothing else)."""
    return create_model(schema.__name__, __base__=schema, **{field: (int, Field(ge=value, le=value))})


@cache
def _revision_of(schema: type[BaseModel]) -> type[BaseModel]:
    """A plainly named revision model ("PitchRevision"): tool and schema names must be identifiers."""
    return create_model(f"{schema.__name__}Revision", __base__=Revision[schema])
