"""Benchmark: the main job on premises nobody tuned for — does it finish, and is it about the premise?

Runs each premise through the room on the configured model (the embedded
Gemma 3 270M by default) with every gate automatic, and prints per premise:
finished or the stage that failed, wall time, model calls and tokens. Then,
per artifact (pitch, bible, outline, script):
- leaked: names, places and titles of its task's few-shot examples that the
  artifact uses although the premise does not (as a case-blind substring: the
  first measure this bench took, kept to compare with earlier runs);
- copied: the same as the room itself checks it (`agents.copying.copied_names`):
  names, places, titles and proper nouns of any of the screenwriter's
  examples, matched as words; and, per artifact, the runs of the prompt's words
  it copies (`copied_phrases`: 6 English words, 8 Chinese characters);
- closer: whether the artifact is nearer in meaning (bundled multilingual-e5)
  to its premise than to every few-shot example of its task
  (`agents.nearness`: the room itself asks a small model again on this);
- about: whether, of its premise, the examples' premises and the other
  premises of the bench, it is nearest to its own premise; the reference line
  scores the human-written examples both ways (two examples of one form are
  nearer each other than to their premises, so `closer` fails even for them);
and the reviewers' quotes of passages that are not in what they reviewed
(a reviewer repeating its example's complaint), and their summaries that carry
a run of words of their own prompt.

    python bench/completion.py                       # all premises, one produced episode each
    python bench/completion.py --develop-only        # pitch, bible and outline only (faster)
    python bench/completion.py --only 0,5            # some premises, by index
    python bench/completion.py --premise "…"         # a premise of your own (repeatable)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from agents.copying import artifact_text, copied_names, copied_phrases, echoes, folded  # noqa: E402
from agents.han import HAN, han  # noqa: E402
from agents.nearness import closeness, example_outputs, plain, vectors  # noqa: E402
from agents.prompt_file import load_prompts  # noqa: E402
from graphs import room  # noqa: E402
from graphs.context import load_context  # noqa: E402
from graphs.errors import RunStopped  # noqa: E402
from graphs.runs import Runs  # noqa: E402
from memory import Kind  # noqa: E402
from tools.errors import RoomError  # noqa: E402

# (lang, premise): modern, historical and fantasy eras; revenge, romance, mystery, comedy
PREMISES = [
    ("en", "A night-shift nurse discovers the hospital's new owner is the twin sister she never knew"),
    ("en", "In 1920s Chicago, a jazz singer falls for the detective investigating her brother's murder"),
    ("en", "A clumsy apprentice wizard swaps bodies with the dragon queen who rules the mountain kingdom"),
    ("en", "A wedding planner in Mumbai must organise the wedding of the man who jilted her at the altar"),
    ("en", "On a Scottish island in 1890, a lighthouse keeper's daughter finds letters from a drowned sailor"),
    ("zh", "民国上海，一个女裁缝发现自己的未婚夫是刺杀她父亲的凶手"),
    ("zh", "外卖小哥意外继承了一座修仙门派，却发现门派欠了一屁股债"),
    ("zh", "唐朝长安，一名女仵作与大理寺少卿联手破解连环命案"),
    ("zh", "重生回到高考前一天的女孩，决定不再替继妹顶罪"),
    # two more that no setting data was written for
    ("en", "A retired boxer agrees to train the son of the man he killed in the ring"),
    ("zh", "八十年代的纺织厂女工，在工厂倒闭前夜发现厂长的秘密账本"),
]
# a held-out set: premises written for a final measure, never used to tune the data, prompts or code
HELDOUT = [
    ("en", "A Lagos tech founder discovers her co-founder sold their app to the bank that ruined her family"),
    ("en", "In 1940s Lisbon, a hotel maid passes secrets between two spies who both love her"),
    ("en", "A medieval blacksmith's daughter disguises herself as a knight to win her father's freedom"),
    ("en", "A grumpy wedding photographer keeps getting hired by the same runaway bride"),
    ("en", "An Antarctic weather station's cook suspects the new scientist is an impostor"),
    ("zh", "北宋汴京，一个卖饼的小娘子意外捡到了皇子的玉佩"),
    ("zh", "九十年代的县城录像厅老板，发现失踪的妹妹出现在一盘录像带里"),
    ("zh", "顶流男星被迫回老家继承养猪场"),
    ("zh", "民国北平，一个说书人发现自己讲的故事正在一件件变成真"),
]
SETS = {"bench": PREMISES, "heldout": HELDOUT}
ARTIFACTS = ("pitch", "bible", "outline", "script")
_STOP = frozenset(
    "a an the of in at on to for and is are was who with his her their he she they that this from "
    "by be has have had one two new must into out its it as but not".split()
)
_NAME_KEYS = ("name", "title", "location", "era", "speaker", "heading")


def _strings(value, keys=_NAME_KEYS):
    """The names, titles and places in an example's output (and the words of a Latin name)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
                if item.isascii():
                    yield from (w for w in item.replace("'", " ").split() if w[:1].isupper() and len(w) >= 4)
            else:
                yield from _strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys)


def leaked(artifact: dict, premise: str, lang: str, task: str) -> list[str]:
    text, held = folded(json.dumps(artifact, ensure_ascii=False)), folded(premise)
    vocabulary = {s for example in example_outputs("screenwriter", task, lang) for s in _strings(example)}
    return sorted(w for w in vocabulary if len(w) >= 2 and folded(w) in text and folded(w) not in held)


def premise_words(artifact: dict, premise: str, lang: str) -> float:
    """The share of the premise's own words the artifact uses: in English its content words (matched on
    their first five letters), in Chinese its two-character runs. Unlike `about`, which only ranks the
    artifact among premises, this is low for a text about nothing in particular."""
    text = plain(artifact).casefold()
    if lang == "zh":
        chars = han(premise)
        parts = {chars[i : i + 2] for i in range(len(chars) - 1)}
    else:
        parts = {w[:5] for w in re.findall(r"[a-z]+", premise.casefold()) if len(w) > 2 and w not in _STOP}
    return sum(part in text for part in parts) / max(1, len(parts))


def example_premises(lang: str) -> list[str]:
    """The premises of the screenwriter's few-shot examples (the stories a copied artifact would be about)."""
    tasks = load_prompts("screenwriter", lang).tasks.values()
    return list(dict.fromkeys(e.vars["premise"] for t in tasks for e in t.examples if "premise" in e.vars))


def about(artifact: dict, premise: str, lang: str) -> bool:
    """Whether, of its premise, the examples' premises and the other premises of this bench in its language,
    the artifact is nearest in meaning to its own premise: premise against premise, so the likeness of an
    artifact to an example of the same form (which two human-written examples share too) does not count."""
    others = [p for language, p in (*PREMISES, *HELDOUT) if language == lang and p != premise]
    candidates = _premise_vectors((premise, *example_premises(lang), *others))
    return int(np.argmax(candidates @ vectors([plain(artifact)])[0])) == 0


@functools.cache
def _premise_vectors(premises: tuple[str, ...]) -> np.ndarray:
    return vectors(list(premises))


def premise_of(example_vars: dict, lang: str) -> str:
    """An example's premise: its own, or that of the bible example whose first character its bible has."""
    if "premise" in example_vars:
        return example_vars["premise"]
    cast = json.loads(example_vars.get("bible") or "{}").get("characters", [])
    lead = cast[0]["name"] if cast else None
    for shot in load_prompts("screenwriter", lang).tasks["bible"].examples:
        if lead and shot.output["characters"][0]["name"] == lead:
            return shot.vars["premise"]
    return ""


def reference(lang: str) -> dict[str, tuple[int, int, float, int]]:
    """The human-written examples scored the same way, per task: how many are closer to their own premise than
    to the task's other example, how many are nearest their own premise, the mean share of its words, of how many."""
    found = {}
    for task in ARTIFACTS:
        shots = [e for e in load_prompts("screenwriter", lang).tasks[task].examples if isinstance(e.output, dict)]
        outputs = [e.output for e in shots]
        closer = nearest = 0
        words = []
        for index, (shot, output) in enumerate(zip(shots, outputs)):
            own = premise_of(shot.vars, lang)
            embedded = vectors([plain(output), own, *(plain(o) for i, o in enumerate(outputs) if i != index)])
            sims = embedded[1:] @ embedded[0]
            closer += bool(sims[0] > max(sims[1:], default=0.0))
            nearest += about(output, own, lang) if own else 0
            words.append(premise_words(output, own, lang))
        found[task] = (closer, nearest, float(np.mean(words)), len(outputs))
    return found


def stray_quotes(mem, run_id: str, artifacts: dict) -> int:
    """Reviewers' quoted passages that are in nothing they reviewed."""
    reviewed = " ".join(json.dumps(a, ensure_ascii=False) for a in artifacts.values()).casefold()
    count = 0
    for record in mem.list(run_id=run_id, kind=Kind.CRITIQUE):
        for line in record.text.splitlines():
            if line.startswith("- [") and '"' in line:
                quote = line.split('"')[1].strip().casefold()
                count += bool(quote) and quote not in reviewed
    return count


def borrowed_summaries(mem, run_id: str, lang: str, own: str) -> tuple[int, int]:
    """Of the reviewers' summaries, how many carry a run of words of the reviewer's own prompt (its examples'
    critiques, its instructions) that the series does not hold, and of how many."""
    summaries = [
        (record.role, record.text.splitlines()[0].partition(". ")[2])
        for record in mem.list(run_id=run_id, kind=Kind.CRITIQUE)
        if record.role
    ]
    return sum(echoes(text, role, lang, own) for role, text in summaries if text), len(summaries)


def run_one(lang: str, premise: str, develop_only: bool, keep: Path | None = None) -> dict:
    place = contextlib.nullcontext(tempfile.mkdtemp(dir=keep)) if keep else tempfile.TemporaryDirectory()
    with place as folder:
        ctx = load_context(folder, {"lang": lang, "episodes": 1, "auto_approve": ("all",), "produce": not develop_only})
        runs = Runs(ctx)
        started = time.perf_counter()
        run_id, events = runs.start(premise)
        error = ""
        try:
            for _ in events:
                pass
        except RunStopped:
            raise  # Ctrl-C or SIGTERM stops the bench, not only this premise's run
        except RoomError as exc:
            error = str(exc)
        wall = time.perf_counter() - started
        view = runs.view(run_id)
        values = view.values
        artifacts = {name: values.get("artifacts", {}).get(name) for name in ARTIFACTS[:3]}
        produced = values.get("production", {}).get("1", {})
        script_file = ctx.outputs_dir / run_id / "episodes" / "ep01" / "production.json"
        if script_file.is_file():
            artifacts["script"] = json.loads(script_file.read_text(encoding="utf-8")).get("script")
        ledger = room.read_ledger(ctx, run_id)
        mem = room.project_memory(ctx)
        result = {
            "lang": lang,
            "premise": premise,
            "finished": view.state == "finished" and not error,
            "failed_at": (view.failed or {}).get("stage", "") if error or view.failed else "",
            "error": error,
            "wall": wall,
            "calls": len(ledger),
            "tokens_in": sum(r["input_tokens"] for r in ledger),
            "tokens_out": sum(r["output_tokens"] for r in ledger),
            "video": bool(produced.get("video")),
            "stray_quotes": stray_quotes(mem, run_id, artifacts),
            "borrowed_summaries": borrowed_summaries(
                mem, run_id, lang, f"{premise}\n{json.dumps(values.get('artifacts', {}), ensure_ascii=False)}"
            ),
            "stages": {
                stage: {k: round(v, 1) for k, v in totals.items()}
                for (stage,), totals in room.summarize_ledger(ledger, by=("stage",)).items()
            },
            "artifacts": {},
        }
        for name, artifact in artifacts.items():
            if artifact:
                to_premise, to_example = closeness(artifact, premise, "screenwriter", name, lang)
                result["artifacts"][name] = {
                    "leaked": leaked(artifact, premise, lang, name),
                    "about": about(artifact, premise, lang),
                    "words": premise_words(artifact, premise, lang),
                    "copied": copied_names(artifact, "screenwriter", lang, premise),
                    "phrases": copied_phrases(artifact_text(artifact), "screenwriter", lang, premise),
                    "to_premise": to_premise,
                    "to_example": to_example,
                }
        runs.close()
        room.close_all()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--develop-only", action="store_true", help="pitch, bible and outline; no episode")
    parser.add_argument("--set", choices=sorted(SETS), default="bench", help="which premises (default: bench)")
    parser.add_argument("--only", help="comma-separated premise indexes")
    parser.add_argument(
        "--premise",
        action="append",
        help="a premise of your own instead of a set's (Chinese if it has Han), repeatable",
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="keep each run's project folder in this folder, to read what it made")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    premises = [("zh" if HAN.search(p) else "en", p) for p in args.premise] if args.premise else SETS[args.set]
    chosen = [premises[int(i)] for i in args.only.split(",")] if args.only else premises
    results = []
    print(
        f"{'#':>2} {'lang':4} {'done':5} {'failed at':14} {'wall s':>7} {'calls':>5} {'tok in':>8} {'tok out':>7} "
        f"{'leaked':>6} {'copied':>6} {'closer':>6} {'about':>5} {'words':>5} {'stray':>5}  premise"
    )
    for index, (lang, premise) in enumerate(chosen):
        r = run_one(lang, premise, args.develop_only, args.keep)
        results.append(r)
        arts = r["artifacts"].values()
        closer = sum(a["to_premise"] > a["to_example"] for a in arts)
        on_premise = sum(a["about"] for a in arts)
        print(
            f"{index:>2} {lang:4} {'yes' if r['finished'] else 'NO':5} {r['failed_at'][:14]:14} {r['wall']:7.0f} "
            f"{r['calls']:5d} {r['tokens_in']:8d} {r['tokens_out']:7d} {sum(len(a['leaked']) for a in arts):6d} {sum(len(a['copied']) for a in arts):6d} "
            f"{closer:>3}/{len(arts):<2} {on_premise:>2}/{len(arts):<2} {np.mean([a['words'] for a in arts] or [0]):5.2f} {r['stray_quotes']:5d}  {premise[:50]}",
            flush=True,
        )
    print("\nper artifact: similarity to premise / to nearest example · nearest its own premise · leaked example names")
    for r in results:
        for name, a in r["artifacts"].items():
            print(
                f"  {r['premise'][:30]:30} {name:8} {a['to_premise']:.3f} / {a['to_example']:.3f}  "
                f"{'about' if a['about'] else 'NOT  '}  words {a['words']:.2f}  leaked: {', '.join(a['leaked']) or '-'} · "
                f"copied: {', '.join(a['copied']) or '-'} · prompt runs: {len(a['phrases'])}"
            )
    print(
        "\nreference, the few-shot examples themselves: closer to own premise than to the other example · "
        "nearest own premise (of n) · share of the premise's words"
    )
    for lang in sorted({r["lang"] for r in results}):
        print(
            f"  {lang}: "
            + " · ".join(f"{task} {c}/{n}, {a}/{n}, {w:.2f}" for task, (c, a, w, n) in reference(lang).items())
        )
    print("\nmodel seconds by stage (calls)")
    for r in results:
        print(
            f"  {r['premise'][:30]:30} "
            + " · ".join(f"{stage} {t['seconds']:.0f} ({t['calls']:.0f})" for stage, t in r["stages"].items())
        )
    borrowed, summaries = (sum(r["borrowed_summaries"][i] for r in results) for i in (0, 1))
    print(f"\nreviewers' summaries with a run of their prompt's words: {borrowed}/{summaries}")
    finished = sum(r["finished"] for r in results)
    print(f"\nfinished {finished}/{len(results)} · mean wall {np.mean([r['wall'] for r in results]):.0f} s")
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    try:
        main()
    except RunStopped as exc:
        sys.exit(f"stopped: {exc}")
