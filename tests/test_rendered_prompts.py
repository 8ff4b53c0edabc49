"""What the model is shown, pinned: every task's rendered messages, and each role's description and focus.

The embedded default is a small base model that answers to every word of
its prompt, so a change to how prompts are stored or rendered must leave
the text the model sees as it was. `data/rendered_prompts.json` holds a
hash of each message; a deliberate change to a prompt rewrites it with
`python tests/test_rendered_prompts.py` (and the diff says which messages
changed).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINNED = HERE / "data" / "rendered_prompts.json"
LANGS = ("en", "zh")


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def rendered() -> dict[str, list[str]]:
    """Each task's messages rendered with its first example's variables (the persona and instruction, every
    example's turns, then that input), and each role file's description and focus: kind and hash of each."""
    from agents.base import task_messages
    from agents.prompt_file import load_prompts
    from agents.roles import ROLES

    found: dict[str, list[str]] = {}
    for lang in LANGS:
        for role in ROLES:
            prompts = load_prompts(role, lang)
            found[f"{lang}/{role}"] = [f"description:{_hash(prompts.description)}"] + [
                f"focus.{name}:{_hash(text)}" for name, text in sorted(prompts.focus.items())
            ]
            for task, spec in sorted(prompts.tasks.items()):
                messages = task_messages(role, task, lang, spec.examples[0].vars)
                found[f"{lang}/{role}/{task}"] = [f"{m.type}:{_hash(m.content)}" for m in messages]
    return found


def test_the_model_sees_the_pinned_prompts():
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    now = rendered()
    assert sorted(now) == sorted(pinned)
    changed = [key for key in pinned if now[key] != pinned[key]]
    assert not changed, f"rendered prompts changed: {changed}"


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    PINNED.parent.mkdir(exist_ok=True)
    PINNED.write_text(json.dumps(rendered(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {PINNED}")
