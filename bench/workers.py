"""Many series at once on LangGraph's server: 4 series on 1 vs 2 jobs, with Postgres and the Chroma server.

    python bench/workers.py                       # 4 series of 1 episode, on 1 job then on 2
    python bench/workers.py --series 2 --jobs 1 2 3 --episodes 2 --keep /tmp/workers
    python bench/workers.py --only 5,6 --jobs 2         # chosen premises (bench/completion.py's indexes)

For each number of jobs, a fresh project (the embedded model at temperature
0, the default render, every gate passing on its own), a fresh PostgreSQL
database for the served runs' checkpoints (`ROOM_CHECKPOINTS`), the same
Chroma server for its memory (`ROOM_CHROMA_URL`), and `langgraph dev
--n-jobs-per-worker N` serving the room's graphs for it. The same premises
(en and zh, from bench/completion.py's set) are started at once through the
SDK, and the bench waits for every run to end. Per number of jobs it prints:
the wall seconds from the first start to the last end, finished runs,
episodes with a video, model calls and seconds, memory records, decisions
whose memory record is missing, records their own vector does not find
at their own distance (lost vectors; a twin of the same text ties with it), checkpoints, and checkpoints whose parent is missing (lost
checkpoints); then each wall time against 1 job's, measured in the same run.

The runs' writing is not the same from one configuration to the next (two
runs share the model's two slots, and llama.cpp's batches change its sums), so
the model calls are printed beside the wall times.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import chromadb  # noqa: E402
import psycopg  # noqa: E402
from completion import PREMISES  # noqa: E402
from langgraph_sdk import get_sync_client  # noqa: E402

from graphs import room  # noqa: E402
from graphs.checkpoints import SERVED_SCHEMA  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.served_runs import ServedRuns  # noqa: E402
from langgraph_dev import langgraph_dev  # noqa: E402
from memory.project import database_name  # noqa: E402
from postgres_cluster import postgres_bin, start_cluster  # noqa: E402
from servers import chroma_server  # noqa: E402

CHOSEN = [0, 5, 1, 6, 2, 7, 3, 8]  # en and zh in turn: modern, 1920s, fantasy ...
POLL = 5  # seconds between looks at the runs
TIES = 5  # the nearest records a record's own vector is looked for among (identical texts tie)
ENDED = {"success", "error", "timeout", "interrupted"}


def premises(n: int) -> list[tuple[str, str]]:
    return [PREMISES[i] for i in CHOSEN[:n]]


def project(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "room.toml").write_text("[room]\ntemperature = 0\n", encoding="utf-8")
    return folder


def drive(url: str, series: list[tuple[str, str]], episodes: int) -> tuple[list[str], float]:
    """Every series started at once on the server; the runs' ids and the seconds until the last one ended."""
    client = get_sync_client(url=url)
    started = time.perf_counter()
    runs, premises = {}, {}
    for lang, premise in series:
        thread = client.threads.create(metadata={"graph_id": "development"})["thread_id"]
        given = {"premise": premise, "lang": lang, "episodes": episodes, "auto_approve": ["all"]}
        runs[thread], premises[thread] = client.runs.create(thread, "development", input=given)["run_id"], premise
    left = dict(runs)
    while left:
        time.sleep(POLL)
        for thread, run in list(left.items()):
            status = client.runs.get(thread, run)["status"]
            if status in ENDED:  # ids made at the same moment share their first digits: the premise tells them apart
                print(f"  {premises[thread][:24]} {status} at {time.perf_counter() - started:.0f} s", flush=True)
                del left[thread]
    return list(runs), time.perf_counter() - started


def lost_checkpoints(checkpoints: str, run_id: str) -> tuple[int, int]:
    """The run's checkpoints in Postgres, and how many of them name a parent that is not there."""
    with psycopg.connect(checkpoints, options=f"-c search_path={SERVED_SCHEMA}") as conn:
        rows = conn.execute(
            "SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = %s", (run_id,)
        ).fetchall()
    have = {(ns, cid) for ns, cid, _ in rows}
    return len(rows), sum(1 for ns, _, parent in rows if parent and (ns, parent) not in have)


def lost_vectors(client, project_dir: Path, run_id: str) -> tuple[int, int]:
    """The run's memory records on the Chroma server, and how many of them their own vector does not find."""
    client.set_database(database_name(project_dir))
    records = lost = 0
    for collection in client.list_collections():
        if (collection.metadata or {}).get("run_id") != run_id:
            continue
        stored = collection.get(include=["embeddings"])
        records += len(stored["ids"])
        if not stored["ids"]:
            continue
        # every record's own vector in one query; it is found at its own distance (a twin of the same text, a
        # revision that changed nothing, may tie with it)
        hits = collection.query(query_embeddings=stored["embeddings"], n_results=TIES, include=["distances"])
        for record, ids, distances in zip(stored["ids"], hits["ids"], hits["distances"], strict=True):
            lost += record not in [i for i, d in zip(ids, distances) if d <= distances[0] + 1e-6]
    return records, lost


def measure(url: str, folder: Path, checkpoints: str, chroma_url: str, run_ids: list[str]) -> dict:
    ctx = load_context(folder, {"checkpoints": checkpoints, "chroma_url": chroma_url})
    served = ServedRuns(ctx, url)
    memory = room.project_memory(ctx)
    host, port = chroma_url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    totals = dict.fromkeys(
        (
            "finished",
            "videos",
            "calls",
            "model_seconds",
            "records",
            "unrecorded",
            "lost_vectors",
            "checkpoints",
            "lost_checkpoints",
        ),
        0,
    )
    for run_id in run_ids:
        view = served.view(run_id)
        totals["finished"] += view.state == "finished"
        made = view.values.get("production", {}).values()
        totals["videos"] += sum(1 for e in made if e.get("approved") and Path(e.get("video") or "-").is_file())
        ledger = room.read_ledger(ctx, run_id)
        totals["calls"] += len(ledger)
        totals["model_seconds"] += sum(row.get("seconds", 0) for row in ledger)
        keys = {r.key for r in memory.list(run_id=run_id)}
        totals["unrecorded"] += sum(
            1 for n, _ in enumerate(view.values.get("decisions", []), 1) if f"decision-{n}" not in keys
        )
        records, lost = lost_vectors(client, folder, run_id)
        totals["records"] += records
        totals["lost_vectors"] += lost
        saved, orphans = lost_checkpoints(checkpoints, run_id)
        totals["checkpoints"] += saved
        totals["lost_checkpoints"] += orphans
    served.close()
    room.close_all()
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=4, choices=range(1, len(CHOSEN) + 1))
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--episodes", type=int, default=1)
    parser.add_argument("--only", help="premises of bench/completion.py's set by index (e.g. 5,6) instead of --series")
    parser.add_argument("--keep", type=Path, help="keep the projects and the servers' folders here")
    args = parser.parse_args()
    cli = shutil.which("langgraph")
    bin_dir = postgres_bin()
    if not cli or not bin_dir:
        sys.exit('needs `langgraph` (pip install -e ".[server]") and PostgreSQL (apt-get install -y postgresql)')
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    place = contextlib.nullcontext(tempfile.mkdtemp(dir=args.keep)) if args.keep else tempfile.TemporaryDirectory()
    series = [PREMISES[int(i)] for i in args.only.split(",")] if args.only else premises(args.series)
    cluster = start_cluster(bin_dir)
    results = {}
    try:
        with place as base, chroma_server(Path(base) / "chroma") as chroma_url:
            for jobs in args.jobs:
                checkpoints = cluster.new_database()
                folder = project(Path(base) / f"jobs-{jobs}")
                workdir = Path(base) / f"server-{jobs}"
                workdir.mkdir()
                print(f"{len(series)} series on {jobs} job(s): {folder}", flush=True)
                env = {"ROOM_CHECKPOINTS": checkpoints, "ROOM_CHROMA_URL": chroma_url}
                with langgraph_dev(cli, folder, workdir, env, jobs=jobs) as url:
                    run_ids, wall = drive(url, series, args.episodes)
                    results[jobs] = {"wall": wall, **measure(url, folder, checkpoints, chroma_url, run_ids)}
    finally:
        cluster.stop()
    print(
        f"{'jobs':>4} {'wall s':>7} {'finished':>8} {'videos':>6} {'calls':>5} {'model s':>7} {'records':>7} "
        f"{'unrecorded':>10} {'lost vectors':>12} {'checkpoints':>11} {'lost checkpoints':>16}"
    )
    for jobs, r in results.items():
        print(
            f"{jobs:4d} {r['wall']:7.0f} {r['finished']:5d}/{len(series)} {r['videos']:6d} {r['calls']:5d} "
            f"{r['model_seconds']:7.0f} {r['records']:7d} {r['unrecorded']:10d} {r['lost_vectors']:12d} "
            f"{r['checkpoints']:11d} {r['lost_checkpoints']:16d}"
        )
    if 1 in results:
        for jobs, r in results.items():
            if jobs != 1:
                print(f"wall time ratio, {jobs} jobs / 1 job: {r['wall'] / results[1]['wall']:.2f}")


if __name__ == "__main__":
    main()
