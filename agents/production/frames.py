"""The episode's stills: one labelled frame per shot, every character looking the same in each.

A character's visual sheet (appearance tokens, palette, seed) is fixed once
for the series; a frame is redrawn only when what it is asked to show changes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from agents.art_director import StyleGuide, VisualSheet
from agents.director import ShotList
from agents.production.studio import Studio
from agents.screenwriter import Bible
from agents.speakers import match_name
from agents.structured import stored_artifact
from tools.cut import RENDER_SIZES
from tools.files import inside, made_from


def _palette(digest: bytes) -> list[str]:
    """Three hex colours read from a digest: the same name or text, the same colours."""
    return ["#%02x%02x%02x" % tuple(digest[i : i + 3]) for i in (0, 3, 6)]


def fallback_sheet(name: str, description: str) -> dict:
    """A deterministic visual sheet for a character the art director did not cover."""
    digest = hashlib.sha256(name.encode()).digest()
    palette = _palette(digest)
    tokens = [t.strip() for t in description.replace("，", ",").split(",") if t.strip()][:6] or [name]
    while len(tokens) < 3:
        tokens.append(name)
    return VisualSheet(
        character=name, appearance_tokens=tokens, palette=palette, seed=int.from_bytes(digest[:4], "big") % (2**31)
    ).model_dump()


def fallback_style(bible: dict) -> dict:
    """A deterministic style guide from the bible's own visual style, for a series the art director gave none."""
    visual = str(bible.get("visual_style") or bible.get("tone") or "").strip()
    digest = hashlib.sha256(visual.encode()).digest()
    return StyleGuide(
        look=visual[:200] or "vertical drama, faces close",
        palette=_palette(digest),
        lighting="soft key light, deep shadows",
        lens="35mm, shallow depth of field",
        texture="clean digital",
    ).model_dump()


def settle_sheets(bible: dict, known: dict[str, dict], proposed: list[dict]) -> dict[str, dict]:
    """Sheets fixed once stay fixed; new characters take the proposal (under the name it plainly means),
    else a deterministic sheet."""
    sheets = dict(known)
    characters = stored_artifact(Bible, bible, "bible").characters
    named = [c.name for c in characters]
    by_name: dict[str, dict] = {}
    for sheet in proposed:
        name = match_name(sheet["character"], named)
        if name and name not in by_name:
            by_name[name] = {**sheet, "character": name}
    for character in characters:
        if character.name not in sheets:
            sheets[character.name] = by_name.get(character.name) or fallback_sheet(
                character.name, character.visual_description
            )
    return sheets


def _image_request(
    shot, inputs: dict, sheets: dict[str, dict], style: dict, lang: str, size: tuple[int, int], references=None
):
    """What the image backend is asked for one shot: the art director's prompt and negative prompt, or the
    person's (`room redraw`), the characters' fixed looks and reference images, and the shot's own seed when it
    was given one."""
    from tools.images.base import CharacterLook, ImageRequest

    looks = []
    # a bit part has no sheet of the art director's: it gets a fixed one of its own
    for name in filter(str.strip, shot.characters):
        sheet = sheets.get(name) or fallback_sheet(name, "")
        looks.append(
            CharacterLook(
                name=name,
                appearance=sheet["appearance_tokens"],
                palette=sheet["palette"],
                seed=sheet["seed"],
                reference_image=(references or {}).get(name),
            )
        )
    return ImageRequest(
        shot_id=shot.id,
        prompt=inputs.get("prompts", {}).get(shot.id) or shot.visual_intent,
        negative_prompt=inputs.get("negatives", {}).get(shot.id, ""),
        shot_seed=inputs.get("seeds", {}).get(shot.id),
        shot_size=str(shot.size),
        camera=str(shot.camera),
        characters=looks,
        location=shot.location,
        location_palette=style.get("palette", []),
        caption=shot.visual_intent,
        lang=lang,
        seed=looks[0].seed if looks else 0,
        width=size[0],
        height=size[1],
    )


def _draw(studio: Studio, backend, request, path: Path) -> None:
    """One frame drawn and labelled by the backend, then signed (C2PA) over its labelled bytes."""
    backend.render(request, path)
    studio.credentials.sign(path, f"{path.parent.parent.name} {path.name}")


def frame_requests(
    studio: Studio, shots: ShotList, inputs: dict, sheets: dict, style: dict, lang: str, references: dict
) -> list:
    """What the image backend is asked for each shot, in shot order. `inputs` holds the episode's per-shot prompts,
    negative prompts and seeds (`agents.production.INPUTS`); `references` the characters' reference images."""
    size = RENDER_SIZES[studio.render][:2]
    return [_image_request(shot, inputs, sheets, style, lang, size, references) for shot in shots.shots]


def render_frames(studio: Studio, folder: Path, requests: list) -> tuple[dict[str, str], int]:
    """One labelled and signed still per request, from the run's image backend, numbered in shot order
    (frames/shot_001.png: a shot id is the model's, never a file name); a frame whose request is unchanged is not
    redrawn. Returns the frames by shot id and how many were drawn now."""
    backend = studio.image_backend()
    frames, drawn = {}, 0
    for number, request in enumerate(requests, start=1):
        out = inside(folder, "frames", f"shot_{number:03d}.png")
        key = hashlib.sha256(repr((studio.images.identity, request)).encode()).hexdigest()
        drawn += made_from(out, key, lambda path, request=request: _draw(studio, backend, request, path))
        frames[request.shot_id] = str(out)
        studio.progress("frames", number, len(requests))
    return frames, drawn
