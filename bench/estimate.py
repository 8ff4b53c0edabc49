"""Benchmark: `room estimate` against what runs really cost, by their ledger.

In one fresh project: the estimate before any run (from the room's
structure), a first run, the estimate again (now from that run's ledger), a
second run of another premise; each estimate is printed beside the run it
predicts, with the ratio estimate / ledger for calls, tokens and model
seconds. By default both runs use the scripted model (replies made for each
request's schema, as the kill bench does: calls and rounds are the room's
own, tokens are not a real model's); `--embedded` runs the embedded model.

    python bench/estimate.py [--episodes 2] [--embedded]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]

from cli_helpers import scripted_env  # noqa: E402
from killing import FAST  # noqa: E402

PREMISES = ("A disowned heiress returns as a CEO", "一个外卖骑手发现自己每天送餐的老人是失散多年的外公")
FIELDS = (("calls", "calls"), ("input_tokens", "tokens in"), ("output_tokens", "tokens out"), ("seconds", "model s"))


def room(project: Path, embedded: bool, *args: str) -> str:
    command = [sys.executable, str(ROOT / "tests" / "room_scripted.py")] if not embedded else ["room"]
    env = scripted_env(project, {}, extra=FAST) if not embedded else None
    done = subprocess.run([*command, "-C", str(project), *args], env=env, capture_output=True, text=True, timeout=7200)
    if done.returncode:
        raise SystemExit(f"room {args[0]} failed: {done.stderr.strip()}")
    return done.stdout


def ledger_of(project: Path, run_id: str | None = None) -> dict[str, float]:
    rows = [json.loads(line) for line in (project / ".room" / "ledger.jsonl").read_text().splitlines() if line]
    rows = [r for r in rows if run_id is None or r["run_id"] == run_id]
    return {"calls": len(rows), **{f: sum(r[f] for r in rows) for f, _ in FIELDS[1:]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=2)
    parser.add_argument("--embedded", action="store_true", help="run the embedded model (slow) instead of a script")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        project.mkdir()
        spent_before: dict[str, float] = {f: 0 for f, _ in FIELDS}
        print(f"episodes {args.episodes} · model: {'embedded' if args.embedded else 'scripted (replies per schema)'}")
        print(f"{'':28}" + "".join(f"{label:>14}" for _, label in FIELDS))
        for premise in PREMISES:
            guess = json.loads(
                room(project, args.embedded, "estimate", premise, "--episodes", str(args.episodes), "--json")
            )
            room(project, args.embedded, "run", premise, "--episodes", str(args.episodes), "--auto-approve")
            total = ledger_of(project)
            real = {f: total[f] - spent_before[f] for f, _ in FIELDS}
            spent_before = total
            print(f"estimate ({guess['basis'][:40]}…)")
            print(f"{'  estimated':28}" + "".join(f"{guess[f]:14,.0f}" for f, _ in FIELDS))
            print(f"{'  the run':28}" + "".join(f"{real[f]:14,.0f}" for f, _ in FIELDS))
            print(f"{'  ratio':28}" + "".join(f"{guess[f] / max(real[f], 1e-9):14.2f}" for f, _ in FIELDS))


if __name__ == "__main__":
    main()
