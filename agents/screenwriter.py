"""The screenwriter 编剧: owns the pitch, the story bible and the series outline."""

from __future__ import annotations

import json
import re
from difflib import SequenceMatcher
from functools import cache
from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, create_model, field_validator, model_validator

from agents.artifact import Artifact, Canon, Held
from agents.base import Role
from agents.han import HAN, HAN_CLASS, han, words as han_words
from agents.handed import opening_of
from memory import Kind
from tools import export
from tools.fonts import STRAIGHT_QUOTES

# the words a title is never left ending on: the 270M model's stop where its tokens run out ("The Letter of
# William Prynne to"), and a constrained decoder cannot say "not this word last" ("a" in lower case: "Plan A")
_DANGLING = re.compile(
    r"(?:[\s,;:–—-]+(?:(?-i:a)|an|the|of|to|and|or|from|by|with|his|her|their|its|my|your|our)\b)*[\s,;:–—-]*$",
    re.IGNORECASE,
)


def finished_title(title: str) -> str:
    """`title` without the words and marks a cut-off title ends on, unless nothing else is left of it."""
    return _DANGLING.sub("", " " + title).strip() or title


TITLE_LENGTH = 80
Title = Annotated[str, Field(max_length=TITLE_LENGTH), AfterValidator(finished_title)]


class Pitch(BaseModel):
    title: Title
    logline: str = Field(max_length=400)
    genre: str = Field(max_length=80)
    tropes: list[str] = Field(default_factory=list, max_length=6)
    hook: str = Field(description="what grabs the viewer in the first 3 seconds", max_length=300)
    target_audience: str = Field(max_length=200)


class Character(BaseModel):
    name: str = Field(max_length=40)
    age: int = Field(ge=0, le=120)
    role: str = Field(description="protagonist, antagonist, love interest, ...", max_length=60)
    want: str = Field(max_length=200)
    need: str = Field(max_length=200)
    secret: str = Field(max_length=200)
    speech_style: str = Field(max_length=200)
    visual_description: str = Field(max_length=300)
    voice: str = Field(description="how the voice sounds: pitch, pace, timbre", max_length=120)


class Location(BaseModel):
    name: str = Field(max_length=60)
    description: str = Field(max_length=300)


class WorldRules(BaseModel):
    era: str = Field(description="when and where the story is set", max_length=120)
    rules: list[str] = Field(default_factory=list, max_length=8)


class Bible(BaseModel):
    # the world first: a model writes the cast and the places after the era and the rules it set (a small
    # model's open with the premise, `set_in`), not before
    world: WorldRules
    characters: list[Character] = Field(min_length=1, max_length=8)
    locations: list[Location] = Field(min_length=1, max_length=8)
    tone: str = Field(max_length=200)
    visual_style: str = Field(max_length=300)

    @model_validator(mode="after")
    def _one_entry_per_name(self) -> "Bible":
        """A name means one character (one location): later entries under a name already used are dropped.

        Models repeat a character now and then; the cast, the visual sheets
        and the memory are keyed by name, so the first entry is the one kept.
        """
        self.characters = type(self.characters)(_first_per_name(self.characters))  # a small model's: a tuple
        self.locations = type(self.locations)(_first_per_name(self.locations))
        return self


def name_key(name: str) -> str:
    """A name as compared: spacing and case do not tell two names apart."""
    return " ".join(name.split()).casefold()


def _first_per_name(entries: list) -> list:
    return _first_by(entries, lambda entry: name_key(entry.name))


def _first_by(entries: list, key) -> list:
    """The entries whose `key` no earlier entry had, in order."""
    seen: set = set()
    kept = []
    for entry in entries:
        k = key(entry)
        if k not in seen:
            seen.add(k)
            kept.append(entry)
    return kept


def _number_by_place(entries: list) -> None:
    for place, entry in enumerate(entries, start=1):
        entry.number = place


class Beat(BaseModel):
    description: str = Field(max_length=300)
    intensity: int = Field(ge=1, le=10, description="emotional intensity 1-10")


class EpisodeOutline(BaseModel):
    number: int = Field(ge=1)
    title: Title
    hook: str = Field(max_length=300)
    beats: list[Beat] = Field(min_length=1, max_length=8)
    cliffhanger: str = Field(max_length=300)


class SeriesOutline(BaseModel):
    episodes: list[EpisodeOutline] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _numbered_in_order(self) -> "SeriesOutline":
        """Episodes are numbered by their place in the series (models write any number there), and an episode
        titled as an earlier one is told apart as its next part (`told_apart`)."""
        _number_by_place(self.episodes)
        for episode, title in zip(self.episodes, told_apart([e.title for e in self.episodes]), strict=True):
            episode.title = title
        return self


def told_apart(titles: list[str]) -> list[str]:
    """`titles` with each one that an earlier one has already taken made its next part: "The Singing Contest,
    Part 2", "卖烤冷面（2）". The 270M model gave all 20 episodes of a series one title, and 40 episodes 8."""
    taken: set[str] = set()
    told: list[str] = []
    for title in titles:
        part, own = 1, title
        while own.casefold() in taken:
            part += 1
            suffix = f"（{part}）" if HAN.search(title) else f", Part {part}"
            own = title[: TITLE_LENGTH - len(suffix)].rstrip() + suffix
        taken.add(own.casefold())
        told.append(own)
    return told


def outline_episode(outline: dict | None, number: int) -> dict:
    """Episode `number` as the outline has it ({} when it has none)."""
    return next((e for e in (outline or {}).get("episodes", []) if e.get("number") == number), {})


@cache
def outline_of(episodes: int, opening: str = "", titles: str = "") -> type[SeriesOutline]:
    """A SeriesOutline with exactly `episodes` episodes, so the decoder cannot give fewer or more; given
    `opening`, the first episode's hook opens with it (the decoder writes the series on from the premise);
    given `titles`, every episode's title matches that pattern (`TITLES`).

    For small models: left free, the 270M model outlines nothing of the premise ("封建时代, 开场中线").
    """
    episode = patterned(EpisodeOutline, "title", titles) if titles else EpisodeOutline
    if not opening:
        field = (list[episode], Field(min_length=episodes, max_length=episodes))
        return create_model("SeriesOutline", __base__=SeriesOutline, episodes=field)

    def _saying_more(outline: SeriesOutline) -> SeriesOutline:
        """A beat that only says the premise or an earlier beat of its episode again is left out, and so is such
        a cliffhanger (the 270M model, handed the premise, writes it out again as every beat, a character or two
        changed, and a beat again as the cliffhanger); an episode keeps a beat."""
        for episode in outline.episodes:
            said = [opening, *(beat.description for beat in episode.beats)]
            kept = [
                beat for place, beat in enumerate(episode.beats, 1) if not restates(beat.description, *said[:place])
            ]
            episode.beats = kept or episode.beats[:1]
            episode.cliffhanger = unsaid(episode.cliffhanger, *said)
        return outline

    first = opened_with(episode, opening, "hook")
    return create_model(
        "SeriesOutline",
        __base__=SeriesOutline,
        __validators__={"_saying_more": model_validator(mode="after")(_saying_more)},
        episodes=(_led_by((first,), episode, episodes), ...),
    )


_WORD = re.compile(rf"[{HAN_CLASS}]|[^\W\d_{HAN_CLASS}]+|\d+")


def restates(text: str, *said: str) -> bool:
    """Whether `text` only says one of `said` again: most of its words (a Chinese text's characters) in their
    order, and little besides. "民国北平，一个說書人發现自己讲故事正在件件变成真" restates its premise; the
    premise followed by what happens next does not."""
    own = _WORD.findall(_plain(text))
    return bool(own) and any(_only_again(own, _WORD.findall(_plain(other))) for other in said)


def _only_again(own: list[str], theirs: list[str]) -> bool:
    if not theirs:
        return False
    shared = sum(block.size for block in SequenceMatcher(None, theirs, own, autojunk=False).get_matching_blocks())
    return shared >= 0.6 * len(theirs) and len(own) - shared <= 0.3 * len(theirs)


def unsaid(text: str, *said: str) -> str:
    """`text`, or "" when it only says one of `said` again."""
    return "" if restates(text, *said) else text


class DialogueLine(BaseModel):
    speaker: str = Field(max_length=40)
    text: str = Field(max_length=300)
    emotion: str = Field(default="neutral", max_length=40)
    parenthetical: str = Field(default="", max_length=80)

    @field_validator("emotion", "parenthetical")
    @classmethod
    def _bare(cls, value: str) -> str:
        """A word or two, without the quotes and brackets a small model leaves around it ('惊恐”，}, {')."""
        return value.strip(_SEPARATORS + '"“”‘’()（）')

    @field_validator("text")
    @classmethod
    def _no_loose_ends(cls, value: str) -> str:
        """Without separators or blank space at its ends ('[It is', 'us.,', '\u3000') or a closing quote that
        closes nothing ('你……”'): a line of only those has nothing to say (and is dropped)."""
        value = _trimmed(value)
        while value and value[-1] in _OPENING_OF and _closes_nothing(value):
            value = _trimmed(value[:-1])
        return value


_SEPARATORS = " \t\n,，、;；{}[]"  # what a constrained decoder leaves at the end of a string it wanted to close
_OPENING_OF = {"”": "“", "’": "‘", '"': '"'}


def _plain(text: str) -> str:
    """`text` as compared for a repeat: case, spacing and the kind of quote mark do not tell two apart."""
    return name_key(text.translate(STRAIGHT_QUOTES))


def _trimmed(text: str) -> str:
    """`text` without separators or any blank space (' ', '\u3000', '\u2028') at its ends."""
    while text != (shorter := text.strip().strip(_SEPARATORS)):
        text = shorter
    return text


def _closes_nothing(text: str) -> bool:
    """Whether the quote `text` ends with has no opening quote to close."""
    closing = text[-1]
    opening = _OPENING_OF[closing]
    if opening == closing:
        return text.count(closing) % 2 == 1
    return text.count(closing) > text.count(opening)


SMALL_SCENES = (3, 4)  # the scenes a small model's episode has: a minute's worth of lines, within two


class Scene(BaseModel):
    number: int = Field(ge=1)
    heading: str = Field(description="INT./EXT. LOCATION - TIME", max_length=120)
    location: str = Field(max_length=60)
    time_of_day: str = Field(max_length=20)
    characters: list[str] = Field(default_factory=list, max_length=8)
    action: str = Field(max_length=600)
    lines: list[DialogueLine] = Field(default_factory=list, max_length=20)
    transition: str = Field(default="", max_length=30, description="e.g. CUT TO:, SMASH CUT TO:")


class EpisodeScript(BaseModel):
    number: int = Field(ge=1)
    title: Title
    scenes: list[Scene] = Field(min_length=1, max_length=12)

    @model_validator(mode="after")
    def _scenes_once_numbered_in_order(self) -> "EpisodeScript":
        """Repeats dropped, then scenes numbered by their place (a repeated number would merge two scenes' lines).

        Small models loop: a scene written out again (word for word, or at the
        same place but for its heading, case and quote marks), or a speaker saying the same
        line again, in the scene (A B C A B C) or scenes later. None of it is
        drama; the first of each is kept. A line with nothing left to say is dropped.
        """

        def said(line: DialogueLine) -> tuple:
            return line.speaker, _plain(line.text)

        for scene in self.scenes:
            scene.lines = _first_by([line for line in scene.lines if line.text], said)
        kept = _first_by(
            self.scenes,
            lambda scene: (_plain(scene.location), _plain(scene.action), *(_plain(line.text) for line in scene.lines)),
        )
        self.scenes = type(self.scenes)(kept)  # a list, or the tuple a script opened on its hook is
        earlier: set[tuple] = set()  # and a line said again in a later scene: a loop across scenes
        for scene in self.scenes:
            scene.lines = [line for line in scene.lines if said(line) not in earlier]
            earlier.update(map(said, scene.lines))
        _number_by_place(self.scenes)
        return self


# a script's scenes, once one is left out, no longer line up with the leads: written out as the list they are
_AS_LIST = PlainSerializer(lambda scenes, info: [scene.model_dump(mode=info.mode) for scene in scenes])


@cache
def spoken_by(
    schema: type[EpisodeScript],
    cast: tuple[str, ...],
    places: tuple[str, ...] = (),
    opening: str = "",
    steps: tuple[str, ...] = (),
) -> type[EpisodeScript]:
    """`schema` with every line's speaker and every character in a scene one of `cast` and, given `places`,
    every scene at one of them (its heading too), so a constrained decoder can write no other name or place;
    given `opening`, the first scene's action opens with it, and the next scenes' with the `steps` in order (the
    episode's beats), in a script of a small model's SMALL_SCENES, each scene at the place its text names or else
    at the next of `places` in turn (`_placed`: left to pick, the 270M model set every scene of ten of ten
    episodes at one place).

    For small models, which otherwise copy the names, places and story of their examples, and write every
    scene after the first about nothing (its action empty, its lines "2/3", "4/3").
    """
    line = create_model("DialogueLine", __base__=DialogueLine, speaker=(Literal[cast], ...))
    fields: dict = {
        "lines": (list[line], Field(default_factory=list, max_length=20)),
        "characters": (list[Literal[cast]], Field(default_factory=list, max_length=8)),
    }
    validators = {}
    if places:
        fields["location"] = (Literal[places], ...)
        fields["heading"] = (Literal[headings(places)], Field(description="INT./EXT. LOCATION - TIME"))
        validators["_heading_at_location"] = model_validator(mode="after")(_heading_at_location)
    scene = create_model("Scene", __base__=Scene, __validators__=validators, **fields)
    if not opening:
        return create_model(schema.__name__, __base__=schema, scenes=(list[scene], Field(min_length=1, max_length=12)))

    def _acting_on(script: EpisodeScript) -> EpisodeScript:
        """What a small model writes out again is left out: a later scene's action that only says the opening or
        an earlier scene's action again, a line its speaker has said before with a word or two changed or with no
        word in it ("0/1"), and then a scene left with neither (the 270M model writes the first scene's hook out
        again as the next ones' action, and loops on a line)."""
        actions: list[str] = [opening]
        said: dict[str, list[str]] = {}  # what each speaker has said so far
        for place, scene in enumerate(script.scenes):
            scene.action = unsaid(scene.action, *actions) if place else scene.action
            actions.append(scene.action)
            lines = []
            for line in scene.lines:
                before = said.setdefault(line.speaker, [])
                if _WORDED.search(line.text) and not restates(line.text, *before):
                    lines.append(line)
                before.append(line.text)
            scene.lines = lines
        kept = [scene for scene in script.scenes if scene.action or scene.lines]
        script.scenes = type(script.scenes)(kept or script.scenes[:1])
        _number_by_place(script.scenes)
        return script

    texts = (opening, *steps[: SMALL_SCENES[1] - 1])
    at = [_placed(scene, places, texts[k] if k < len(texts) else "", k) for k in range(SMALL_SCENES[1])]
    leads = tuple(opened_with(at[k], text, "action") for k, text in enumerate(texts)) + tuple(at[len(texts) :])
    lengths = range(1, SMALL_SCENES[1] + 1)  # the decoder writes SMALL_SCENES; repeats dropped leave fewer
    return create_model(
        schema.__name__,
        __base__=schema,
        __validators__={"_acting_on": model_validator(mode="after")(_acting_on)},
        scenes=(Annotated[Union[tuple(_led_by(leads, scene, n) for n in lengths)], _AS_LIST], ...),
    )


def _placed(scene: type[Scene], places: tuple[str, ...], text: str, k: int) -> type[Scene]:
    """`scene` (the `k`th of its script) at the first of `places` that its `text` names, else at the `k`th of
    them in turn; `scene` when there are none."""
    if not places:
        return scene
    said = text.casefold()
    place = next((p for p in places if p.casefold() in said), places[k % len(places)])
    return _at(scene, place)


@cache
def _at(scene: type[Scene], place: str) -> type[Scene]:
    heading = (Literal[headings((place,))], Field(description="INT./EXT. LOCATION - TIME"))
    return create_model("Scene", __base__=scene, location=(Literal[(place,)], ...), heading=heading)


_WORDED = re.compile(r"[^\W\d_]")  # a letter or a Han character: a line that says something


def _led_by(leads: tuple[type, ...], rest: type, length: int) -> type:
    """A tuple of `length` entries, the first ones `leads` in order and the others `rest`s (in JSON schema:
    prefixItems)."""
    return tuple[(*leads[:length], *[rest] * (length - len(leads[:length])))]


@cache
def titled(schema: type[BaseModel], title: str) -> type[BaseModel]:
    """`schema` whose title is `title` (a small model's script: its episode's title in the approved outline,
    not "INT. HOTEL LOBBY - DAY" or a critique's "[major] director")."""
    return create_model(schema.__name__, __base__=schema, title=(Literal[(title,)], ...))


def _heading_at_location(scene: Scene) -> Scene:
    """The heading names the scene's location, inside or out as it is (a decoder picks each from its list on its
    own)."""
    scene.heading = f"{side_of(scene.location)} {scene.location.upper()} - {scene.heading.rpartition(' - ')[2]}"
    return scene


# a place outdoors: an English one whose head (its last word before a preposition) is one of these words, a Chinese
# one that ends on one (Harbour bar and 街角咖啡馆 are indoors, 飞船舰桥 a ship's bridge)
_OUTDOORS_EN = frozenset(
    """street square forest clearing pass yard garden gardens field fields beach deck ridge alley road harbour harbor
    dock docks pier quay wharf canal wall courtyard rooftop lookout paddy crossing plaza park graveyard cemetery
    meadow woods hillside shore riverbank riverside camp lot green steps entrance gate gates market stall enclosure
    surface trail path ruins terrace stop banks boardwalk piazza agora embankment river hill track cove steppe
    grounds ground canyon break lane balcony trench pithead piste porch cloister""".split()
)
_OUTDOORS_ZH = tuple(
    """街 街市 街头 巷 胡同 弄堂 广场 花园 院子 小院 前院 后院 天井 山门 城门 大门 天门 门口 后山 小径 树林 河边 江边 码头
    石桥 桥头 夜市 田 草原 戈壁 沙漠 天台 村口 树下 晒谷场 演武场 操场 刑场 地表 营地 甲板 路 城墙 外 街口 巷口 胡同口
    古道 雪道 小道 大道 地头 坡 土丘 牧场 废墟 街区 集市 城楼 船上""".split()
)
_PLACE_HEAD = re.compile(r"\s(?:over|at|through|on|of|in|by|under|near|behind|outside|beside)\s", re.IGNORECASE)


def side_of(place: str) -> str:
    """A screenplay heading's side for `place`: EXT. outdoors (`_OUTDOORS_EN`, `_OUTDOORS_ZH`), else INT. Left
    to pick, the 270M model wrote INT. MOUNTAIN PASS and INT. ENCHANTED FOREST."""
    words = re.findall(r"[a-z]+", _PLACE_HEAD.split(place.casefold(), maxsplit=1)[0])
    outdoors = place.strip().endswith(_OUTDOORS_ZH) or (bool(words) and words[-1] in _OUTDOORS_EN)
    return "EXT." if outdoors else "INT."


def headings(places: tuple[str, ...]) -> tuple[str, ...]:
    """Every screenplay heading at `places`: INT. or EXT. as the place is (`side_of`), the place (in capitals where
    it has them), DAY or NIGHT."""
    return tuple(f"{side_of(place)} {place.upper()} - {time}" for place in places for time in ("DAY", "NIGHT"))


@cache
def set_in(
    schema: type[Bible],
    names: tuple[str, ...],
    places: tuple[str, ...],
    era: str,
    opening: str = "",
    roles: tuple[tuple[str, ...], ...] = (),
) -> type[Bible]:
    """`schema` whose characters are the first `SMALL_CAST` of `names`, in order (left to pick from them, the 270M
    model named all three characters of a Chicago series one name, and the bible kept one), whose locations are the
    first `SMALL_PLACES` of `places`, in order, and perhaps another of them (the premise's own places come first:
    left to choose, the 270M model set a pig-farm series at the banquet hall its example's heiress has, and only
    there), and whose era is `era`, so a constrained decoder can write no other name, place or era; given `opening`,
    the world's first rule opens with it (the premise: what the series' world is), and a later rule that only says
    it again is left out; given `roles` (`agents.handed.cast_roles`), each of the cast is one of its own, and any
    other character one of any.

    For small models, which otherwise set every series where their examples are, with their people, and write
    a bible about nothing of the premise.
    """
    every = tuple(dict.fromkeys(role for own in roles for role in own))
    held = {"name": (Literal[names], ...)} | ({"role": (Literal[every], ...)} if every else {})
    character = create_model("Character", __base__=Character, **held)

    def own_role(k: int) -> dict:
        """The `k`th of the cast's roles, held to its own (`roles[k]`) where it has them."""
        return {"role": (Literal[roles[k]], ...)} if k < len(roles) else {}

    cast = tuple(  # each its own name, in the cast's order (left to pick, the 270M model named all three one name)
        create_model(f"Character{k + 1}", __base__=character, name=(Literal[(name,)], ...), **own_role(k))
        for k, name in enumerate(names[: SMALL_CAST[1]])
    )
    location = create_model("Location", __base__=Location, name=(Literal[places], ...))
    firsts = tuple(  # each its own, in order (left to pick, the 270M model's bibles kept one place of three)
        create_model(f"Location{place}", __base__=Location, name=(Literal[(name,)], ...))
        for place, name in enumerate(places[: SMALL_PLACES[0]], start=1)
    )
    counts = range(len(firsts), len(firsts) + SMALL_PLACES[1] - SMALL_PLACES[0] + 1)  # and another, of any place
    locations = (Union[tuple(_led_by(firsts, location, n) for n in counts)], ...)
    world = {"era": (Literal[(era,)], Field(description=WorldRules.model_fields["era"].description))}
    validators = {}
    if opening:
        first = Annotated[str, Field(pattern=f"^{literal(opening)}.*")]
        world["rules"] = (Union[tuple(_led_by((first,), str, n) for n in range(1, SMALL_RULES + 1))], ...)

        def _rules_say_more(rules: WorldRules) -> WorldRules:
            rules.rules = type(rules.rules)(
                r for place, r in enumerate(rules.rules) if not place or not restates(r, opening)
            )
            return rules

        validators["_rules_say_more"] = model_validator(mode="after")(_rules_say_more)
    return create_model(
        schema.__name__,
        __base__=schema,
        __validators__={"_cast_told_apart": model_validator(mode="after")(_cast_told_apart)},
        world=(create_model("WorldRules", __base__=WorldRules, __validators__=validators, **world), ...),
        characters=(Union[tuple(_led_by(cast, character, n) for n in range(SMALL_CAST[0], len(cast) + 1))], ...)
        if len(cast) >= SMALL_CAST[0]
        else (list[character], Field(min_length=1, max_length=8)),
        locations=locations,
    )


# what a character is, told in the bible's words: what a small model writes out again for the next character
_TOLD = ("want", "need", "secret", "speech_style", "visual_description", "voice")


def _cast_told_apart(bible: Bible) -> Bible:
    """What a small model writes out again for a later character (or as the bible's tone and look) is left out:
    a field that only says what an earlier one said, a word or a pronoun changed (`restates`). The 270M model
    gave a dragon's four characters one secret, one look and one way of speaking, "she" or "he" apart; its
    bible, that text four times over, was nearer in meaning to an example's than to its premise."""
    said: list[str] = []
    for character in bible.characters:
        for field in _TOLD:
            text = getattr(character, field)
            if restates(text, *said):
                setattr(character, field, "")
            said.append(text)
    bible.tone, bible.visual_style = unsaid(bible.tone, *said), unsaid(bible.visual_style, *said)
    return bible


SMALL_CAST = (3, 4)  # the characters a small model's bible has
SMALL_RULES = 3  # the most world rules a small model's bible has, the first held to the premise
SMALL_PLACES = (3, 4)  # the locations a small model's bible has, the first the handed places in order


def literal(text: str) -> str:
    """A regular expression matching `text` as written (in Python's syntax and in the Rust syntax of
    pydantic-core and llama.cpp's LLGuidance alike: only their shared metacharacters are escaped)."""
    return "".join("\\" + c if c in r"\.+*?()|[]{}^$#&-~" else c for c in text)


@cache
def opened_with(schema: type[BaseModel], opening: str, field: str = "logline") -> type[BaseModel]:
    """`schema` whose `field` opens with `opening`, so a constrained decoder writes on from the premise.

    For small models: left to write the logline itself, the 270M model writes its example's story
    ("末世降临…" came back as the example's 重生 revenge, names and all).
    """
    return patterned(schema, field, f"^{literal(opening)}.*")


@cache
def patterned(schema: type[BaseModel], field: str, pattern: str) -> type[BaseModel]:
    """`schema` whose string `field` matches `pattern`, its own bounds kept, whatever they are."""
    bounds = schema.model_fields[field].metadata
    return create_model(
        schema.__name__, __base__=schema, **{field: (Annotated[(str, Field(pattern=pattern), *bounds)], ...)}
    )


# what a small model's titles are: a few words of the series' language. Left free, the 270M model titled
# Chinese series and their episodes "The Big Boss", ">(A) the new-generation model" and "2017年", and an English one
# "A Chef Slaps His Boss Onthewirstwhileinhotpursit…": words of at most 20 letters
TITLES = {
    "en": r"^[A-Z0-9][A-Za-z0-9'’-]{0,19}( [A-Za-z0-9'’-]{1,20}){0,5}$",
    "zh": r"^[一-鿿]{2,8}$",
}

# words of a premise that say nothing of it: its series' title says one of the others
_PLAIN_WORDS = frozenset(
    """about after again against also another back been before being could each ever every finds from gets goes
    have here hers herself himself into itself just learns make makes more most must never only onto other over
    should some something someone such takes than that their them then there they this under very were what when
    where which while whose will with would years""".split()
)
_PLAIN = frozenset("的了着是也都就又才这那每个一们她他我你它自己么什有没不很最再还已被把在")  # a function word's
_SAYS = 160  # the most bytes of the premise's words a title pattern names: a decoder's lexer holds a few hundred


def titles_naming(premise: str, lang: str) -> str:
    """`TITLES`, for a series title that says a word of its premise (`title_words`) with a few around it (a Chinese
    one opening on it: given two characters before, the 270M model wrote 剧名 there); `TITLES` when the premise has
    none. Left free, the 270M model titled an undertaker's story 女明星的婚礼, a teacher's 编剧室的模式 (its prompt's
    word for the room) and a park ranger's "The Necron"."""
    said = "|".join(literal(word) for word in title_words(premise, lang))
    if not said:
        return TITLES.get(lang, TITLES["en"])
    if lang == "zh":
        return f"^(?:{said})[一-鿿]{{0,6}}$"
    free = r"[A-Za-z0-9'’-]{1,20}"
    return rf"^(?:[A-Z0-9][A-Za-z0-9'’-]{{0,19}}(?: {free}){{0,2}} )?(?:{said})(?:['’]s)?(?: {free}){{0,3}}$"


def title_words(premise: str, lang: str) -> list[str]:
    """The words of `premise` a series title may say (capitalised in English; in Chinese, of two characters or more
    and none a function word's: 县城, 女老师, 死对头), the first that `_SAYS` bytes hold."""
    if lang == "zh":
        said = (word for word in han_words(premise) if han(word) == word and len(word) >= 2 and not set(word) & _PLAIN)
    else:
        words = re.findall(r"(?<![A-Za-z-])[A-Za-z][A-Za-z-]{2,18}[A-Za-z](?![A-Za-z-])", premise)
        said = (word[:1].upper() + word[1:] for word in words if word.casefold() not in _PLAIN_WORDS)
    kept: list[str] = []
    size = -1  # the bytes of the kept words' pattern, each after a "|"
    for word in dict.fromkeys(said):
        size += 1 + len(literal(word).encode())
        if size > _SAYS:
            break
        kept.append(word)
    return kept


# ── the screenwriter's artifacts ─────────────────────────────────────────


def _dump(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _pitch_canon(p: dict) -> list[Canon]:
    return [Canon(Kind.EPISODE_SUMMARY, "series", f"{p['title']}: {p['logline']}")]


def _bible_canon(b: dict) -> list[Canon]:
    world = b["world"]
    return [
        *(Canon(Kind.CHARACTER, c["name"], _dump(c)) for c in b["characters"]),
        *(Canon(Kind.LOCATION, loc["name"], _dump(loc)) for loc in b["locations"]),
        Canon(Kind.WORLD_RULE, "era", f"Era: {world['era']}"),
        *(Canon(Kind.WORLD_RULE, f"rule{i}", rule) for i, rule in enumerate(world["rules"])),
        Canon(Kind.STYLE, "style", f"Tone: {b['tone']}. Visual style: {b['visual_style']}"),
    ]


def _outline_canon(o: dict) -> list[Canon]:
    """Each episode's summary and beats belong to that episode."""
    records: list[Canon] = []
    for ep in o["episodes"]:
        records.append(
            Canon(
                Kind.EPISODE_SUMMARY,
                "summary",
                f"Ep {ep['number']} {ep['title']}: hook {ep['hook']}; cliffhanger {ep['cliffhanger']}",
                ep["number"],
            )
        )
        records += [
            Canon(Kind.BEAT, f"beat{i}", f"[{beat['intensity']}/10] {beat['description']}", ep["number"])
            for i, beat in enumerate(ep["beats"])
        ]
    return records


def _script_canon(sc: dict) -> list[Canon]:
    return [
        Canon(
            Kind.SCENE,
            f"scene{scene['number']}",
            f"{scene['heading']}. {scene['action']} "
            + " / ".join(f"{line['speaker']}: {line['text']}" for line in scene["lines"]),
        )
        for scene in sc["scenes"]
    ]


def _held_to_premise(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """A small model's logline, and its outline's first hook, open with the premise it was handed, and its
    titles are in the series' language (`TITLES`)."""
    return Held(opening=handed.opening, titles=TITLES.get(handed.lang, "")) if handed else Held()


def _pitch_held_to_premise(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """A small model's logline opens with the premise it was handed, and its title says a word of it
    (`titles_naming`)."""
    return Held(opening=handed.opening, titles=titles_naming(handed.opening, handed.lang)) if handed else Held()


def _pitch_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    schema = opened_with(schema, held.opening) if held.opening else schema
    return patterned(schema, "title", held.titles) if held.titles else schema


def _outline_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    return outline_of(episodes, held.opening, held.titles)


def _bible_held_to_setting(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """A bible written in the setting a small model was handed (names, places, era), its world opening with the
    premise."""
    if not handed:
        return Held()
    return Held(
        cast=handed.names,
        places=handed.places,
        era=handed.era,
        opening=handed.opening,
        roles=handed.roles,
    )


def _script_held_to_bible(artifacts: dict, small: bool, handed, episode: int) -> Held:
    """A small model's script is spoken by the bible's characters at its locations, has its episode's title,
    and its first scene opens on the episode's hook and the next ones on its beats, as the approved outline has
    them: left free, it copies its examples' names, places and story (a real model may bring in a bit part,
    which production resolves)."""
    if not small:
        return Held()
    from agents.speakers import character_names, location_names  # speakers reads this module's models

    bible, planned = artifacts.get("bible"), outline_episode(artifacts.get("outline"), episode)
    beats = (str(beat.get("description", "")) for beat in planned.get("beats", []))
    return Held(
        cast=tuple(character_names(bible)),
        places=tuple(location_names(bible)),
        opening=opening_of(str(planned.get("hook", ""))),
        steps=tuple(opening_of(beat) for beat in beats if beat.strip()),
        title=str(planned.get("title", "")).strip(),
    )


def _bible_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    if not held.cast:
        return schema
    return set_in(schema, held.cast, held.places, held.era, held.opening, held.roles)


def _script_shape(schema: type[BaseModel], episodes: int, held: Held) -> type[BaseModel]:
    if not held.cast:
        return schema
    spoken = spoken_by(schema, held.cast, held.places, held.opening, held.steps)
    return titled(spoken, held.title) if held.title else spoken


ARTIFACTS = (
    Artifact(
        "pitch",
        Pitch,
        600,
        inputs=("premise", "cast", "episodes", "notes", "memory"),
        handed_setting=True,
        shape=_pitch_shape,
        holds=_pitch_held_to_premise,
        canon=_pitch_canon,
        # left at 0, a small model's title and hook come back empty
        small_model={
            "Pitch.title": {"minLength": 2},
            "Pitch.hook": {"minLength": 12},
            "Pitch.genre": {"minLength": 2},
            "Pitch.target_audience": {"minLength": 6},
        },
        markdown=export.pitch_md,
    ),
    Artifact(
        "bible",
        Bible,
        2000,
        inputs=("premise", "cast", "era", "places", "pitch", "notes", "memory"),
        handed_setting=True,
        shape=_bible_shape,
        holds=_bible_held_to_setting,
        canon=_bible_canon,
        markdown=export.bible_md,
    ),
    Artifact(
        "outline",
        SeriesOutline,
        2000,
        inputs=("premise", "pitch", "bible", "episodes", "series", "first", "last", "so_far", "notes", "memory"),
        handed_setting=True,
        shape=_outline_shape,
        holds=_held_to_premise,
        canon=_outline_canon,
        markdown=export.outline_md,
        tokens_per_episode=400,  # a hook, a few beats and a cliffhanger each
        part_episodes=10,  # a 10-episode part is at most 5.9k tokens to write, its revision too
        # left at 0, a beat or a hook comes back empty ("[▮▮▯▯▯▯▯▯▯▯] " in the outline)
        small_model={
            "Beat.description": {"minLength": 12},
            "EpisodeOutline.hook": {"minLength": 12},
            "EpisodeOutline.cliffhanger": {"minLength": 12},
        },
    ),
    Artifact(
        "script",
        EpisodeScript,
        2500,
        inputs=("premise", "episode", "outline_episode", "bible", "previously", "notes", "memory"),
        per_episode=True,
        episode_field="number",
        shape=_script_shape,
        holds=_script_held_to_bible,
        canon=_script_canon,
        markdown=export.script_md,
        # an episode's worth of scenes and lines, so the editor can time 60 s from real speech, within 120 s
        small_model={
            "EpisodeScript.scenes": {"minItems": SMALL_SCENES[0], "maxItems": SMALL_SCENES[1]},
            "Scene.lines": {"minItems": 3, "maxItems": 4},
            "DialogueLine.text": {"maxLength": 80},
        },
    ),
)


ROLE = Role(
    name="screenwriter",
    titles={"en": "Screenwriter", "zh": "编剧"},
    owns=tuple(a.name for a in ARTIFACTS),
    reviews=(),
    tools=("memory_search",),
)
