"""A character's reference image (`room look`): the picture its shots are drawn from, kept beside `cast.json`.

A person gives one (`room look RUN CHARACTER IMAGE`): it is checked to open as a PNG or JPEG of a sane size and
copied into `outputs/RUN/looks/`, named by its content, and `looks.json` says whose it is. Without one, a
character's reference is the first frame it appears in of the earliest approved episode, for the episodes after
it, with image models only: a storyboard figure is drawn from its sheet, and a panel of its own would only
recolour it with the set. A reference named by its content changes the frame requests of that character's
shots alone, so the next render redraws only those.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from agents.production.studio import Studio, episode_dir
from agents.speakers import character_names
from tools.errors import InputError
from tools.files import atomic_write_bytes, atomic_write_json, inside
from tools.images.reference import checked_reference

LOOKS_FILE = "looks.json"
LOOKS_DIR = "looks"


def _kept(studio: Studio, run_id: str, data: bytes, suffix: str) -> str:
    """`data` kept under looks/ by its content; its path relative to the run's folder."""
    name = f"{LOOKS_DIR}/{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
    target = inside(studio.outputs_dir, run_id, name)
    if not target.is_file():
        atomic_write_bytes(target, data)
    return name


def given_references(studio: Studio, run_id: str) -> dict[str, dict]:
    """The references people gave, by character ({} when none): {"image": looks/…, "from": the file's name}."""
    path = inside(studio.outputs_dir, run_id, LOOKS_FILE)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(f"{path} cannot be read ({exc}): fix it or remove it") from None
    return {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("image"), str)}


def _in_bible(values: dict, character: str) -> None:
    names = character_names(values.get("artifacts", {}).get("bible"))
    if character not in names:
        raise InputError(
            f"no character called {character!r} in the bible; the characters: {', '.join(names) or 'none yet'}"
        )


def set_reference(studio: Studio, values: dict, character: str, image: Path) -> dict:
    """`image` kept as `character`'s reference (checked first); returns the character's entry."""
    _in_bible(values, character)
    suffix = checked_reference(image)
    run_id = values["run_id"]
    entry = {"image": _kept(studio, run_id, Path(image).read_bytes(), suffix), "from": Path(image).name}
    atomic_write_json(
        inside(studio.outputs_dir, run_id, LOOKS_FILE), {**given_references(studio, run_id), character: entry}
    )
    return entry


def first_approved_frames(studio: Studio, values: dict, before: int) -> dict[str, dict]:
    """Per character, the first frame it appears in of the earliest approved episode numbered below `before`
    (an approved episode keeps its shot list and its frames, numbered in shot order, in its folder)."""
    found: dict[str, dict] = {}
    approved = sorted(int(k) for k, e in values.get("production", {}).items() if str(k).isdigit() and e.get("approved"))
    for number in (n for n in approved if n < before):
        folder = episode_dir(studio.outputs_dir, values["run_id"], number)
        try:
            shots = json.loads((folder / "shots.json").read_bytes()).get("shots", [])
        except (OSError, ValueError, AttributeError):
            continue
        for place, shot in enumerate(shots, start=1):
            frame = folder / "frames" / f"shot_{place:03d}.png"
            for name in shot.get("characters", []):
                if name not in found and frame.is_file():
                    found[name] = {"frame": str(frame), "from": f"episode {number} shot {shot.get('id', place)}"}
    return found


def character_references(studio: Studio, values: dict, episode: int) -> dict[str, Path]:
    """Each character's reference for drawing `episode`: the one a person gave, else (image models only) the
    first approved frame it appears in, kept under looks/ by content."""
    run_id = values["run_id"]
    chosen = {
        name: inside(studio.outputs_dir, run_id, e["image"]) for name, e in given_references(studio, run_id).items()
    }
    if studio.images.provider != "storyboard":
        for name, found in first_approved_frames(studio, values, episode).items():
            if name not in chosen:
                kept = _kept(studio, run_id, Path(found["frame"]).read_bytes(), ".png")
                chosen[name] = inside(studio.outputs_dir, run_id, kept)
    return {name: path for name, path in chosen.items() if path.is_file()}


def shown_reference(studio: Studio, values: dict, character: str) -> dict:
    """What `room look RUN CHARACTER` shows: the character's reference, where it came from ({} for none)."""
    _in_bible(values, character)
    given = given_references(studio, values["run_id"]).get(character)
    if given:
        return {"image": str(inside(studio.outputs_dir, values["run_id"], given["image"])), "from": given["from"]}
    if studio.images.provider == "storyboard":
        return {}
    found = first_approved_frames(studio, values, 10**6).get(character)
    return {"image": found["frame"], "from": found["from"]} if found else {}
