"""Figures: how well `tools.redaction` finds the planted personal data in tests/data/personal_data.json.

Precision is the share of what the finder took that was planted (kind and
exact value); recall the share of what was planted that it took. Negatives
(years, episodes, prices, dates, IDs with a wrong check digit) count against
precision only. Per kind, then overall; the planted list (which the
finder was tuned on) and the held-out one (written after) apart.

    python bench/redaction.py
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.redaction import find_personal_data  # noqa: E402


def figures(texts: list[tuple[str, list[tuple[str, str]]]], names: list[str]) -> None:
    hit, took, planted = Counter(), Counter(), Counter()
    for text, expected in texts:
        got = [(f.kind, f.value) for f in find_personal_data(text, names)]
        planted.update(kind for kind, _ in expected)
        took.update(kind for kind, _ in got)
        left = list(expected)
        for item in got:
            if item in left:
                left.remove(item)
                hit[item[0]] += 1
    for kind in [*sorted(planted), "all"]:
        h = sum(hit.values()) if kind == "all" else hit[kind]
        t = sum(took.values()) if kind == "all" else took[kind]
        p = sum(planted.values()) if kind == "all" else planted[kind]
        print(
            f"{kind:8} planted {p:3}  found {t:3}  right {h:3}  precision {h / t if t else 1:.3f}  recall {h / p:.3f}"
        )


def main() -> None:
    corpus = json.loads((ROOT / "tests" / "data" / "personal_data.json").read_text(encoding="utf-8"))
    texts = [(p["text"], [tuple(f) for f in p["found"]]) for p in corpus["positives"]]
    texts += [(text, []) for text in corpus["negatives"]]
    print(f"planted list: {len(corpus['positives'])} sentences with personal data, {len(corpus['negatives'])} without")
    figures(texts, corpus["names"])
    for key, what in (("held_out", "held out (not tuned on)"), ("held_out_2", "a second held-out set")):
        held = [(p["text"], [tuple(f) for f in p["found"]]) for p in corpus[key]]
        print(f"{what}: {len(held)} sentences")
        figures(held, corpus["names"])


if __name__ == "__main__":
    main()
