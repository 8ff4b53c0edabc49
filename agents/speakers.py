"""Who speaks and who is seen: the names in a script and shot list matched to the bible's characters.

Models misspell a character ("Katelyan"), use a full name the bible does not
("Mark Ashdown" for Mark), or bring in a bit part. Voices and visual sheets
are keyed by the bible's names, so a name that plainly means a character
becomes that character's name; a name that matches nobody is a bit part and
stays as written (it gets a voice and a look of its own).
"""

from __future__ import annotations

from difflib import SequenceMatcher

from agents.director import ShotList
from agents.screenwriter import Bible, EpisodeScript, name_key

SPELLING = 0.8  # how alike a misspelt name must be (difflib ratio) to count as a character's


def character_names(bible: dict | None) -> list[str]:
    """The names of the bible's characters (none without a bible)."""
    return [c.name for c in Bible.model_validate(bible).characters] if bible else []


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


def in_cast(script: EpisodeScript, shots: ShotList, cast: list[str]) -> tuple[EpisodeScript, ShotList]:
    """The script and shot list with every name that means a character written as the bible writes it."""
    def named(name: str) -> str:
        return match_name(name, cast) or name

    scenes = [
        scene.model_copy(update={
            "characters": [named(n) for n in scene.characters],
            "lines": [line.model_copy(update={"speaker": named(line.speaker)}) for line in scene.lines],
        })
        for scene in script.scenes
    ]
    fitted = [shot.model_copy(update={"characters": [named(n) for n in shot.characters]}) for shot in shots.shots]
    return script.model_copy(update={"scenes": scenes}), shots.model_copy(update={"shots": fitted})


def bit_parts(script: EpisodeScript, cast: list[str]) -> list[str]:
    """Speakers that are none of the characters, in the order they first speak."""
    speakers = (line.speaker for scene in script.scenes for line in scene.lines)
    return list(dict.fromkeys(s for s in speakers if s.strip() and match_name(s, cast) is None))
