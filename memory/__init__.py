"""The room's shared memory: provenance-carrying records in Chroma, recalled within a token budget."""

from memory.budget import estimate_tokens
from memory.embeddings import make_embedding_function
from memory.records import CANON_KINDS, Kind, MemoryRecord, Status
from memory.store import Hit, RoomMemory

__all__ = [
    "RoomMemory",
    "Hit",
    "MemoryRecord",
    "Kind",
    "Status",
    "CANON_KINDS",
    "make_embedding_function",
    "estimate_tokens",
]
