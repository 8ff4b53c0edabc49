"""Benchmark: SIGKILL a whole run at random moments, resume it after each, and compare with a run left alone.

Both are the real `room` CLI on the scripted model, developing a series and
producing its episodes at the tiny render size. Prints, against the run left alone
(the reference, measured in the same run of this script): the kills, wall
time, model calls and prompt tokens (extra ones are the calls in flight when
killed), whether the files, decisions and memory records are the same, and
what a kill left behind (half-written files, live ffmpeg processes).

    python bench/kill_resume.py [--kills 20] [--episodes 2] [--seed 7]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent.parent / "tests")]

from killing import run_alone, run_killed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        alone_dir, killed_dir = Path(tmp) / "alone", Path(tmp) / "killed"
        alone_dir.mkdir(), killed_dir.mkdir()
        alone = run_alone(alone_dir, args.episodes)
        # kills spread over the whole run: each process lives at most a fraction of the run alone
        span = max(1.0, alone.seconds * 2 / args.kills)
        killed = run_killed(killed_dir, args.episodes, args.kills, span, args.seed)
    calls_alone, calls_killed = sum(alone.calls.values()), sum(killed.calls.values())
    extra = killed.calls - alone.calls
    print(f"episodes {args.episodes} · kills {killed.kills} (asked {args.kills}, at most {span:.1f} s apart)")
    print(f"{'':24}{'alone':>12}{'killed':>12}{'ratio':>8}")
    print(f"{'wall seconds':24}{alone.seconds:12.1f}{killed.seconds:12.1f}{killed.seconds / alone.seconds:8.2f}")
    print(f"{'model calls':24}{calls_alone:12d}{calls_killed:12d}{calls_killed / calls_alone:8.2f}")
    print(
        f"{'prompt tokens':24}{alone.prompt_tokens:12d}{killed.prompt_tokens:12d}"
        f"{killed.prompt_tokens / max(1, alone.prompt_tokens):8.2f}"
    )
    print(f"{'decisions':24}{len(alone.decisions):12d}{len(killed.decisions):12d}")
    print(f"{'memory records':24}{sum(alone.memory.values()):12d}{sum(killed.memory.values()):12d}")
    print(f"{'output files':24}{len(alone.files):12d}{len(killed.files):12d}")
    print(f"extra calls by stage: {dict(extra) or 'none'}")
    print(
        f"same files: {killed.files == alone.files} · same decisions: "
        f"{[d[:3] for d in killed.decisions] == [d[:3] for d in alone.decisions]} · "
        f"same memory: {killed.memory == alone.memory} · duplicate decisions: "
        f"{len(killed.decisions) - len({d[3] for d in killed.decisions})}"
    )
    print(f"left behind: {len(killed.leftovers)} half-written file(s), {killed.orphans} live child process(es)")


if __name__ == "__main__":
    main()
