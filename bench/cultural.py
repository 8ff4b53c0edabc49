"""Benchmark: does the cultural consultant catch planted cultural and platform mistakes, and leave clean scenes be?

Runs the consultant on a corpus of short scenes (bench/data/cultural/, zh and en, many eras), each with the
mistakes planted in it (kind: object, title, custom, currency, idiom, platform) or none (a clean control, often
with a word that looks risky but fits its era: tea in Tang, silver taels in Qing). Prints, per half of the corpus
(development: the lexicon was grown on it; heldout: written first and not grown on, until its first measure
showed general gaps that were then fixed; heldout2: written after that, measured once) and per kind:
- recall: planted mistakes caught / planted; a mistake is caught when an issue's quote holds its word;
- false alarms: clean scenes with any issue / clean scenes (by the kind of word the clean scene tempts with);
then the misses and false alarms by scene.

    python bench/cultural.py                          # the deterministic lexicon alone (seconds)
    python bench/cultural.py --model --split heldout  # also the consultant's critique on the embedded model,
                                                      # alone and with the lexicon (minutes a scene on 2 cores)
    python bench/cultural.py --model --split heldout --sample 11   # 11 evenly spaced scenes of the half
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.base import perform  # noqa: E402
from agents.critique import Critique, Issue, Verdict, strings_of  # noqa: E402
from agents.cultural_consultant import ROLE, check  # noqa: E402
from agents.models import RoomModel, load_chat_model  # noqa: E402
from agents.prompt_file import load_prompts  # noqa: E402
from tools.errors import ModelOutputError, RoomError  # noqa: E402

CORPUS = ROOT / "bench" / "data" / "cultural"
SPLITS = ("development", "heldout", "heldout2")
KINDS = ("object", "title", "custom", "currency", "idiom", "platform")

Review = Callable[[dict], list[Issue]]


class CorpusError(RoomError):
    """A corpus file that is missing or not in the corpus's form."""


def load(split: str) -> list[dict]:
    """The scenes of one half of the corpus, checked for the fields the bench reads."""
    path = CORPUS / f"{split}.yaml"
    try:
        scenes = yaml.safe_load(path.read_text(encoding="utf-8"))["scenes"]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as exc:
        raise CorpusError(f"{path}: not a corpus of scenes ({exc})") from None
    for scene in scenes:
        kinds = [error.get("kind") for error in scene.get("errors", [])] or [scene.get("tempts")]
        if not {"id", "lang", "era", "text"} <= scene.keys() or not set(kinds) <= set(KINDS):
            raise CorpusError(f"{path}: scene {scene.get('id', '?')} needs id, lang, era, text and a known kind")
    return scenes


def artifact(scene: dict) -> dict:
    """A scene as the script artifact a reviewer sees."""
    return {"scenes": [{"number": 1, "action": scene["text"]}]}


def lexicon_review(scene: dict) -> list[Issue]:
    return check("script", artifact(scene), scene["era"], scene["lang"])


def model_review(model: RoomModel, outcomes: Counter) -> Review:
    """The consultant's critique on `model` through the room's own path (its prompt, examples, structured answer
    and grounding in the reviewed text); its issues count only when it does not approve."""

    def review(scene: dict) -> list[Issue]:  # counts in `outcomes` how each critique went
        lang, content = scene["lang"], artifact(scene)
        setting = f"故事设定在{scene['era']}。" if lang == "zh" else f"Set in {scene['era']}."
        variables = {
            "artifact_name": "script",
            "artifact": json.dumps(content, ensure_ascii=False),
            "focus": load_prompts(ROLE.name, lang).focus.get("script", ""),
            "memory": f"- [decision · writer · bible v1] {setting}",
        }
        try:
            critique = perform(ROLE, "critique", Critique, model=model, lang=lang, variables=variables, max_tokens=700)
        except ModelOutputError:
            outcomes["no valid answer"] += 1
            return []
        grounded = critique.grounded_in(list(strings_of(content)))
        if critique.verdict == Verdict.APPROVE:
            outcomes["approved"] += 1
        elif grounded.verdict == Verdict.APPROVE:
            outcomes["asked for changes, quoting nothing of the scene"] += 1
        else:
            outcomes["asked for changes"] += 1
        return grounded.issues if grounded.verdict != Verdict.APPROVE else []

    return review


def caught(issues: list[Issue], word: str) -> bool:
    return any(word.casefold() in issue.quote.casefold() for issue in issues)


def measure(scenes: list[dict], review: Review) -> dict:
    """Per kind: planted and caught mistakes, clean scenes and those flagged; and the scenes behind the misses."""
    planted, hits, clean, alarms = Counter(), Counter(), Counter(), Counter()
    misses, false_alarms = [], []
    for scene in scenes:
        issues = review(scene)
        for error in scene.get("errors", []):
            planted[error["kind"]] += 1
            if caught(issues, str(error["word"])):
                hits[error["kind"]] += 1
            else:
                misses.append(f"{scene['id']} {error['kind']} '{error['word']}' in {scene['era']}")
        if not scene.get("errors"):
            clean[scene["tempts"]] += 1
            if issues:
                alarms[scene["tempts"]] += 1
                false_alarms.append(f"{scene['id']}: {issues[0].problem}")
    return {"planted": planted, "caught": hits, "clean": clean, "alarms": alarms, "misses": misses,
            "false_alarms": false_alarms}  # fmt: skip


def rates(result: dict) -> tuple[float, float]:
    """Recall and false-alarm rate over every kind."""
    planted, clean = sum(result["planted"].values()), sum(result["clean"].values())
    recall = sum(result["caught"].values()) / planted if planted else 1.0
    return recall, (sum(result["alarms"].values()) / clean if clean else 0.0)


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} = {part / whole:.0%}" if whole else "-"


def report(split: str, result: dict) -> None:
    recall, alarms = rates(result)
    print(f"\n{split}: recall {recall:.0%}, false alarms {alarms:.0%}")
    print(f"  {'kind':<9} {'recall':<16} false alarms")
    for kind in KINDS:
        print(
            f"  {kind:<9} {_share(result['caught'][kind], result['planted'][kind]):<16} "
            f"{_share(result['alarms'][kind], result['clean'][kind])}"
        )
    for line in result["misses"]:
        print(f"  missed: {line}")
    for line in result["false_alarms"]:
        print(f"  false alarm: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=(*SPLITS, "both"), default="both")
    parser.add_argument("--model", action="store_true", help="also the consultant's critique on the model")
    parser.add_argument("--spec", default="embedded:gemma3-270m", help="the model, as provider:model")
    parser.add_argument("--sample", type=int, default=0, help="only N scenes of each half, evenly spaced")
    args = parser.parse_args()
    outcomes: Counter = Counter()
    try:
        model = model_review(load_chat_model(args.spec), outcomes) if args.model else None
        for split in SPLITS if args.split == "both" else (args.split,):
            scenes, started = load(split), time.monotonic()
            if 0 < args.sample < len(scenes):
                scenes = [scenes[i * len(scenes) // args.sample] for i in range(args.sample)]
            report(f"{split} (lexicon)", measure(scenes, lexicon_review))
            if model is None:
                continue
            found = {}
            for scene in scenes:  # the slow part, once a scene
                found[scene["id"]] = model(scene)
                print(f"  {scene['id']}: {len(found[scene['id']])} issues", file=sys.stderr, flush=True)
            print(f"\n{len(scenes)} critiques in {time.monotonic() - started:.0f} s: {dict(outcomes)}")
            report(f"{split} ({args.spec} alone)", measure(scenes, lambda scene: found[scene["id"]]))
            combined = measure(scenes, lambda scene: lexicon_review(scene) + found[scene["id"]])
            report(f"{split} (lexicon + {args.spec})", combined)
    except RoomError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
