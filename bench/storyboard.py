"""Benchmark: storyboard panels, seconds per labelled 1080x1920 PNG.

Renders N panels (every shot size and camera move, two characters, a CJK
caption) and, in the same run, a reference: a plain Pillow fill of the same
size saved as PNG. The ratio says what drawing, the AIGC stamp and the label
cost against just writing a PNG of that size.

    python bench/storyboard.py [--panels 20]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image  # noqa: E402

from tools.images import CharacterLook, ImageRequest, create_image_backend  # noqa: E402
from tools.images.base import CAMERA_MOVES, SHOT_SIZES  # noqa: E402

CAST = [
    CharacterLook("林夏", ["long hair", "round glasses"], ["#c0392b", "#141414", "#f1c40f"], seed=7),
    CharacterLook("周岩", ["short hair", "necktie"], ["#1f6fd1", "#6b3e1f", "#3fe0b0"], seed=11),
]


def shots(count: int) -> list[ImageRequest]:
    return [
        ImageRequest(
            shot_id=f"{i // 5 + 1}{'ABCDE'[i % 5]}",
            shot_size=SHOT_SIZES[i % len(SHOT_SIZES)],
            camera=CAMERA_MOVES[i % len(CAMERA_MOVES)],
            characters=CAST if i % 3 else CAST[:1],
            location=["雨夜便利店", "天台", "集团会议室"][i % 3],
            location_palette=[["#34495e", "#7f8c8d", "#16a085"], ["#8fa3bf", "#5b6770", "#2d3436"], []][i % 3],
            caption="林夏回头，看见周岩站在雨里。他手里攥着那封信。",
        )
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=20)
    args = parser.parse_args()
    backend = create_image_backend("storyboard")
    requests = shots(args.panels)
    with tempfile.TemporaryDirectory() as folder:
        backend.render(requests[0], Path(folder) / "warm.png")  # font loading is a one-off
        panel_times = []
        for request in requests:
            started = time.perf_counter()
            backend.render(request, Path(folder) / f"{request.shot_id}.png")
            panel_times.append(time.perf_counter() - started)
        sizes = [p.stat().st_size for p in Path(folder).glob("[0-9]*.png")]
    plain_times = []
    for i in range(args.panels):
        started = time.perf_counter()
        buffer = io.BytesIO()
        Image.new("RGB", (1080, 1920), (40 + i, 60, 90)).save(buffer, format="PNG")
        plain_times.append(time.perf_counter() - started)
    panel, plain = statistics.mean(panel_times), statistics.mean(plain_times)
    print(
        f"storyboard panels: {args.panels}, {panel:.3f} s/panel (median {statistics.median(panel_times):.3f}, "
        f"max {max(panel_times):.3f}), {statistics.mean(sizes) / 1024:.0f} KiB/panel"
    )
    print(f"plain PIL fill + PNG save, 1080x1920: {plain:.3f} s/image")
    print(f"ratio: {panel / plain:.1f}x")


if __name__ == "__main__":
    main()
