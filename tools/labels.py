"""AIGC labels, as China's GB 45438-2025 and the EU AI Act ask for them.

Visible: "AI生成 / AI-generated" on every image and during the first seconds of
every video (a small corner mark after). Machine-readable: a JSON document with
an `AIGC` field — producer, content id, sha256 of the content, models used —
in each PNG's text chunks and in the MP4's metadata.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

PRODUCER = "Writers' Room"
VISIBLE_TEXT = "AI生成 / AI-generated"
CORNER_TEXT = "AI"
METADATA_KEY = "AIGC"  # PNG text-chunk keyword and the JSON field name


def sha256_of(data: bytes | Path) -> str:
    if isinstance(data, Path):
        digest = hashlib.sha256()
        with data.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    return hashlib.sha256(data).hexdigest()


def aigc_label(content_id: str, sha256: str, models: list[str], kind: str) -> dict:
    """The machine-readable label of one piece of content."""
    return {
        METADATA_KEY: {
            "label": "AI-generated",
            "label_zh": "AI生成",
            "producer": PRODUCER,
            "content_id": content_id,
            "content_type": kind,
            "sha256": sha256,
            "models": sorted(set(models)),
        }
    }


def label_json(label: dict) -> str:
    return json.dumps(label, ensure_ascii=False, separators=(",", ":"))
