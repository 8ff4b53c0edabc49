"""Valid artifacts and critiques for scripted replies."""

from __future__ import annotations


def pitch(title: str = "The Heiress Returns") -> dict:
    return {
        "title": title,
        "logline": "Thrown out by her family, an heiress returns three years later as the CEO who owns them.",
        "genre": "revenge romance",
        "tropes": ["hidden identity", "revenge"],
        "hook": "She walks into the board room her father threw her out of.",
        "target_audience": "women 25-40",
    }


def character(name: str = "Lin Xia", age: int = 27) -> dict:
    return {
        "name": name,
        "age": age,
        "role": "protagonist",
        "want": "revenge",
        "need": "forgiveness",
        "secret": "she bought the company",
        "speech_style": "calm, clipped",
        "visual_description": "black suit, short hair",
        "voice": "low, even",
    }


def bible() -> dict:
    return {
        "characters": [character(), character("Zhou Min", 55)],
        "locations": [{"name": "Board room", "description": "glass walls over the city"}],
        "world": {"era": "present-day Shanghai", "rules": ["no magic", "the company is family-run"]},
        "tone": "cold fury turning to warmth",
        "visual_style": "high-contrast corporate blues",
    }


# each episode's hook its own (an episode that only says an earlier one again is a director's finding)
_WHO = (
    "Lin Ada Ben Cal Dot Eve Fay Gus Hal Ivy Jon Kit Lou Max Ned Oda Pam Quin Rex Sue Tom Uma Val Wes Yan Zoe".split()
)
_DOES = (
    "slaps robs follows betrays kisses fires blackmails frames hides threatens exposes poisons abandons outbids "
    "sues traps fools warns ruins snubs mocks cheats accuses forgets buries tricks"
).split()
_WHAT = (
    "lobby heir groom notary chauffeur butler twin widow banker judge nanny doctor pilot tailor chef jeweller "
    "lawyer broker rival sheriff landlord auditor captain gardener stranger cousin"
).split()


def hook(n: int) -> str:
    """Episode `n`'s hook, unlike every other episode's (up to 26)."""
    i = (n - 1) % len(_WHO)
    return f"{_WHO[i]} {_DOES[i]} the {_WHAT[i]}!"


def outline(episodes: int = 2) -> dict:
    return {
        "episodes": [
            {
                "number": n,
                "title": f"Episode {n}",
                "hook": hook(n),
                "beats": [
                    {"description": "she arrives", "intensity": 6},
                    {"description": "the reveal", "intensity": 9},
                ],
                "cliffhanger": "her father recognises her",
            }
            for n in range(1, episodes + 1)
        ]
    }


def approve(summary: str = "Works for me.") -> dict:
    return {"verdict": "approve", "summary": summary, "issues": []}


def revise(
    quote: str = "board room", problem: str = "too generic", fix: str = "make it specific", verdict: str = "revise"
) -> dict:
    return {
        "verdict": verdict,
        "summary": f"{problem}.",
        "issues": [{"severity": "major", "quote": quote, "problem": problem, "fix": fix}],
    }


def revision(artifact: dict, issues: int = 1) -> dict:
    return {
        "artifact": artifact,
        "answers": [{"issue": i, "response": "done", "accepted": True} for i in range(1, issues + 1)],
    }


SCENE_ONE = [
    "You threw me out of this house three years ago, Father.",
    "Who let you into my board room? Security, take her out.",
    "Security works for the owner of this building now.",
    "That is impossible. The Lin Group belongs to our family.",
    "It belonged to your family until I bought your debts last night.",
    "You are bluffing. You had nothing when you left here.",
    "I had a name you tried to erase. Read the contract on the table.",
    "Your signature is on every page. You sold it to me yourself.",
]
SCENE_TWO = [
    "So you finally found my number after all these years.",
    "You should not have come back, little sister. They will hurt you.",
    "Let them try. I came back to take everything they stole.",
    "Then look behind you. He is already on the roof.",
]


def script(number: int = 1) -> dict:
    def spoken(texts, first, second):
        return [{"speaker": first if i % 2 == 0 else second, "text": t, "emotion": "cold"} for i, t in enumerate(texts)]

    return {
        "number": number,
        "title": f"The Return {number}",
        "scenes": [
            {
                "number": 1,
                "heading": "INT. BOARD ROOM - NIGHT",
                "location": "Board room",
                "time_of_day": "NIGHT",
                "characters": ["Lin Xia", "Zhou Min"],
                "action": "Lin Xia walks in. The room falls silent.",
                "lines": spoken(SCENE_ONE, "Lin Xia", "Zhou Min"),
                "transition": "CUT TO:",
            },
            {
                "number": 2,
                "heading": "EXT. ROOFTOP - NIGHT",
                "location": "Rooftop",
                "time_of_day": "NIGHT",
                "characters": ["Lin Xia", "Zhou Min"],
                "action": "She looks down at the city. Her phone buzzes: an unknown number.",
                "lines": spoken(SCENE_TWO, "Lin Xia", "Zhou Min"),
            },
        ],
    }


def shots(episode: int = 1) -> dict:
    plan = [
        ("1A", 1, "wide", "push_in", [0, 1]),
        ("1B", 1, "close_up", "static", [2, 3]),
        ("1C", 1, "medium", "pan_right", [4, 5, 6, 7]),
        ("2A", 2, "medium", "pan_left", [0, 1]),
        ("2B", 2, "extreme_close_up", "push_in", [2, 3]),
    ]
    return {
        "episode": episode,
        "shots": [
            {
                "id": sid,
                "scene": scene,
                "size": size,
                "camera": camera,
                "characters": ["Lin Xia", "Zhou Min"],
                "location": "Board room" if scene == 1 else "Rooftop",
                "lines": lines,
                "visual_intent": f"beat {sid}",
            }
            for sid, scene, size, camera, lines in plan
        ],
    }


def art(shot_ids=("1A", "1B", "1C", "2A", "2B")) -> dict:
    return {
        "style": {
            "look": "cold corporate noir",
            "palette": ["#0b1d3a", "#c9a227", "#e8e8e8"],
            "lighting": "hard top light",
            "lens": "35mm",
            "texture": "clean digital",
        },
        "sheets": [
            {
                "character": "Lin Xia",
                "appearance_tokens": ["black suit", "short hair", "red lips"],
                "palette": ["#111111", "#b01c2e"],
                "seed": 7,
            }
        ],
        "prompts": [{"shot_id": s, "prompt": f"storyboard frame {s}"} for s in shot_ids],
    }


def series(episodes: int) -> dict[str, list]:
    """Every reply of an autonomous run of `episodes` episodes where every reviewer approves at once."""
    develop = {
        "screenwriter": [pitch(), bible(), outline(episodes)],
        "cultural_consultant": [approve()] * 3,
        "director": [approve()] * 2,
        "art_director": [approve()],
        "editor": [approve()],
    }
    for n in range(1, episodes + 1):
        develop["screenwriter"].append(script(n))
        develop["cultural_consultant"].append(approve())
        develop["director"] += [approve(), shots(n)]
        develop["editor"] += [approve(), approve()]
        develop["art_director"] += [approve(), art()]
    return develop


def _pinned(schema: dict, field: str) -> int:
    """The value a per-episode schema holds an integer field to (1 when it holds none)."""
    return schema.get("properties", {}).get(field, {}).get("minimum", 1)


def _ref(prop: dict) -> str:
    """The name of the definition a property refers to (`{"$ref": "#/$defs/Pitch"}` -> "Pitch")."""
    ref = prop.get("$ref") or next(p["$ref"] for p in prop.get("allOf", prop.get("anyOf", [])) if "$ref" in p)
    return ref.rsplit("/", 1)[1]


def reply_for(schema: dict | None) -> dict | str:
    """A valid reply to whatever the room asks, by the JSON schema it asks for: every reviewer approves; a
    question asked for free text (chat) gets a sentence.

    For runs whose calls cannot be queued in order ahead of time (a run killed
    and resumed at random moments repeats the call in flight).
    """
    if schema is None:
        return "The hook lands in the first line; keep the slap, cut the flashback."
    title = schema.get("title", "")
    if title == "SeriesOutline":
        return outline(schema["properties"]["episodes"].get("minItems", 1))
    if title == "EpisodeScript":
        return script(_pinned(schema, "number"))
    if title == "ShotList":
        return shots(_pinned(schema, "episode"))
    makers = {"Pitch": pitch, "Bible": bible, "Critique": approve, "ArtDirection": art}
    if title.endswith("Revision"):  # the artifact made again, its open issue (the person's note) answered
        artifact = schema["$defs"][_ref(schema["properties"]["artifact"])]
        made = reply_for({**artifact, "$defs": schema["$defs"]})
        if isinstance(made.get("title"), str):  # a revision that changes something a diff shows
            made["title"] = f"{made['title']} (revised)"
        return revision(made)
    if title not in makers:
        raise AssertionError(f"no reply made for schema {title!r}")
    return makers[title]()
