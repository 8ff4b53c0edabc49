"""The implicit AIGC label in a WAV: a RIFF `LIST`/`INFO` chunk after the audio.

INFO sub-chunks (4-character ids; each value UTF-8 text, NUL-terminated, padded to an even length):

    AIGC   the standard's object (`tools.labels.label_json`), fields in order
    ICMT   the room's provenance (comment)
    ISFT   the software that made it: PRODUCER

ffmpeg (and so PyAV and ffprobe) reads them as the tags `AIGC`, `comment` and
`encoder`. The label's sha256 is that of the WAV without its LIST chunk, which
is the file as the synthesiser wrote it: `labelled_wav` drops any LIST chunk
before adding its own, so labelling again changes nothing.
"""

from __future__ import annotations

import struct
from pathlib import Path

from tools.errors import OutputError
from tools.files import atomic_write_bytes
from tools.labels import METADATA_KEY, PRODUCER, PROVENANCE_KEY, aigc_label, label_texts, sha256_of

HASH_SCOPE = "sha256 of the WAV file without its LIST chunk"


def _chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The RIFF/WAVE file's top-level chunks (id, body)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise OutputError("not a RIFF/WAVE file")
    chunks, at = [], 12
    while at + 8 <= len(data):
        cid, size = data[at : at + 4], struct.unpack("<I", data[at + 4 : at + 8])[0]
        chunks.append((cid, data[at + 8 : at + 8 + size]))
        at += 8 + size + (size & 1)
    return chunks


def _chunk(cid: bytes, body: bytes) -> bytes:
    return cid + struct.pack("<I", len(body)) + body + (b"\0" if len(body) & 1 else b"")


def unlabelled(data: bytes) -> bytes:
    """The WAV without any LIST chunk."""
    body = b"".join(_chunk(cid, part) for cid, part in _chunks(data) if cid != b"LIST")
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def labelled_wav(data: bytes, label: dict) -> bytes:
    """The WAV `data` with `label` as its only LIST/INFO chunk, after the audio."""
    texts = label_texts(label)
    tags = {b"AIGC": texts[METADATA_KEY], b"ICMT": texts.get(PROVENANCE_KEY, ""), b"ISFT": PRODUCER}
    info = b"INFO" + b"".join(_chunk(cid, text.encode() + b"\0") for cid, text in tags.items() if text)
    plain = unlabelled(data)
    body = plain[12:] + _chunk(b"LIST", info)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WAVE" + body


def write_labelled_wav(source: Path, target: Path, content_id: str, models: list[str], kind: str) -> bool:
    """`source` with its AIGC label, at `target` (atomically, and only when that changes the file's bytes).

    Returns whether `target` was written now.
    """
    try:
        plain = unlabelled(Path(source).read_bytes())
    except OSError as exc:
        raise OutputError(f"cannot read the audio {source}: {exc.strerror or exc}") from None
    label = aigc_label(content_id, sha256_of(plain), models, kind, HASH_SCOPE)
    data = labelled_wav(plain, label)
    target = Path(target)
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return False
    atomic_write_bytes(target, data)
    return True
