"""Who speaks and who is seen: the names in a script and shot list matched to the bible's characters.

Models misspell a character ("Katelyan"), use a full name the bible does not
("Mark Ashdown" for Mark), or bring in a bit part. Voices and visual sheets
are keyed by the bible's names, so a name that plainly means a character
becomes that character's name; a name that matches nobody is a bit part (it
gets a voice and a look of its own), kept as a name can be shown: one line of
printable text, at most BIT_PART_CHARS long, so a "name" that is a sentence
cannot overflow a visual sheet, a cue or a voice. At most MAX_BIT_PARTS of an
episode's speakers are cast; any more speak in the narrator's voice.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from agents.director import ShotList
from agents.screenwriter import Bible, EpisodeScript, name_key
from agents.structured import stored_artifact

SPELLING = 0.8  # how alike a misspelt name must be (difflib ratio) to count as a character's
BIT_PART_CHARS = 24
MAX_BIT_PARTS = 8  # speakers of an episode cast beside the bible's characters
MAX_CAST = 40  # voices a series casts at most: well inside what one Piper voice keeps apart (about 100)


def character_names(bible: dict | None) -> list[str]:
    """The names of the bible's characters (none without a bible)."""
    return [c.name for c in stored_artifact(Bible, bible, "bible").characters] if bible else []


def location_names(bible: dict | None) -> list[str]:
    """The names of the bible's locations (none without a bible)."""
    return [place.name for place in stored_artifact(Bible, bible, "bible").locations] if bible else []


def match_name(name: str, cast: list[str]) -> str | None:
    """The character `name` means, or None: same name, then a unique shared first name, then a unique close spelling."""
    wanted = name_key(name)
    if not wanted:
        return None
    for rule in (
        lambda other: other == wanted,
        lambda other: other.split()[0] == wanted.split()[0],
        lambda other: SequenceMatcher(None, wanted, other).ratio() >= SPELLING,
    ):
        found = [other for other in cast if name_key(other) and rule(name_key(other))]
        if len(found) == 1:
            return found[0]
        if found:
            return None  # more than one character fits: it is nobody's
    return None


def bit_part(name: str) -> str:
    """`name` as a bit part is kept: printable, on one line, without loose punctuation at its ends, cut at a
    word to BIT_PART_CHARS ('' when nothing is left)."""
    text = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    if len(text) > BIT_PART_CHARS:
        cut = text[: BIT_PART_CHARS + 1]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut[:BIT_PART_CHARS]
    start, end = 0, len(text)
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return text[start:end]


def cast_name(name: str, cast: list[str]) -> str:
    """The bible's name for whoever `name` means, else `name` as a bit part."""
    part = bit_part(name)
    return match_name(name, cast) or match_name(part, cast) or part


def _names(written: list[str], cast: list[str], most: int) -> list[str]:
    return list(dict.fromkeys(filter(None, (cast_name(n, cast) for n in written))))[:most]


def script_in_cast(script: EpisodeScript, cast: list[str]) -> EpisodeScript:
    """The script with every name resolved (`cast_name`): a character's as the bible writes it, anyone
    else's as a bit part; a name with nothing left of it is dropped (its line keeps no speaker)."""
    return script.model_copy(
        update={
            "scenes": [
                scene.model_copy(
                    update={
                        "characters": _names(scene.characters, cast, 8),
                        "lines": [
                            line.model_copy(update={"speaker": cast_name(line.speaker, cast)}) for line in scene.lines
                        ],
                    }
                )
                for scene in script.scenes
            ]
        }
    )


def in_cast(script: EpisodeScript, shots: ShotList, cast: list[str]) -> tuple[EpisodeScript, ShotList]:
    """The script and the shot list with every name resolved (see `script_in_cast`)."""
    fitted = [shot.model_copy(update={"characters": _names(shot.characters, cast, 6)}) for shot in shots.shots]
    return script_in_cast(script, cast), shots.model_copy(update={"shots": fitted})


def bit_parts(script: EpisodeScript, cast: list[str]) -> list[str]:
    """The first MAX_BIT_PARTS speakers that are none of the characters, in the order they first speak
    (of a script `in_cast` has resolved)."""
    speakers = (line.speaker for scene in script.scenes for line in scene.lines)
    return list(dict.fromkeys(s for s in speakers if s and s not in cast))[:MAX_BIT_PARTS]
