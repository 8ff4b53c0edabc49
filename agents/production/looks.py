"""The look check 造型一致性: per episode, does each character in two or more frames look the same in all of them?

Deterministic and offline, on the frames as drawn. Storyboard frames: the renderer knows where it drew whom, so
each of the character's frames is compared pixel by pixel with its figure drawn alone from the sheet
(`tools.images.consistency.figure_match`), and the figure's style must be one across the shots. Other backends:
the character's frames are compared with each other (`frame_similarity`, the method named in the output). The
result is written beside the episode as `consistency.json` and shown in `room report`.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from PIL import Image

from tools.files import atomic_write_json, inside
from tools.images import consistency
from tools.images.base import ImageRequest
from tools.images.storyboard import figure_layer, figure_style

CONSISTENCY_FILE = "consistency.json"
THRESHOLDS = {"figure": 0.8, "frame": 0.5}  # a score at or above holds


def _figure_row(name: str, shots: list[tuple[ImageRequest, Path]]) -> dict:
    matches, styles = {}, set()
    for request, path in shots:
        styles.add(figure_style(next(look for look in request.characters if look.name == name)))
        layer = figure_layer(request, name)
        if layer is None:  # only seen from behind, over another's shoulder
            continue
        with Image.open(path) as frame:
            match = consistency.figure_match(frame, layer)
        if match is not None:
            matches[request.shot_id] = round(match, 3)
    score = min(matches.values()) if matches else None
    holds = score is not None and score >= THRESHOLDS["figure"] and len(styles) == 1
    return {"score": score, "holds": holds, "one_figure": len(styles) == 1, "frames": matches}


def _frame_row(shots: list[tuple[ImageRequest, Path]]) -> dict:
    images = {}
    for request, path in shots:
        with Image.open(path) as frame:
            images[request.shot_id] = frame.convert("RGB")
    pairs = [consistency.frame_similarity(images[a], images[b]) for a, b in combinations(images, 2)]
    score = round(sum(pairs) / len(pairs), 3)
    return {
        "score": score,
        "holds": score >= THRESHOLDS["frame"],
        "frames": sorted(images),
        "lowest": round(min(pairs), 3),
    }


def check_looks(requests: list[ImageRequest], frames: list[Path], storyboard: bool, model: str) -> dict:
    """Per character in two or more frames: its score (the lowest figure match, or the mean similarity of its
    frames), whether it holds, and per frame what was measured; `model` names what drew the frames."""
    by_character: dict[str, list[tuple[ImageRequest, Path]]] = {}
    for request, path in zip(requests, frames):
        for name in dict.fromkeys(look.name for look in request.characters):
            by_character.setdefault(name, []).append((request, Path(path)))
    kind = "figure" if storyboard else "frame"
    rows = [
        {"character": name, **(_figure_row(name, shots) if storyboard else _frame_row(shots))}
        for name, shots in by_character.items()
        if len(shots) >= 2
    ]
    method = consistency.FIGURE_METHOD if storyboard else consistency.FRAME_METHOD
    return {"images": model, "method": method, "threshold": THRESHOLDS[kind], "characters": rows}


def write_look_check(
    folder: Path, requests: list[ImageRequest], frames: list[Path], storyboard: bool, model: str
) -> Path:
    """The episode's look check, written to its folder (`CONSISTENCY_FILE`); returns its path."""
    return atomic_write_json(inside(folder, CONSISTENCY_FILE), check_looks(requests, frames, storyboard, model))
