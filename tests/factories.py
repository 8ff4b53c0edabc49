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
        "name": name, "age": age, "role": "protagonist", "want": "revenge", "need": "forgiveness",
        "secret": "she bought the company", "speech_style": "calm, clipped", "visual_description": "black suit, short hair",
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


def outline(episodes: int = 2) -> dict:
    return {"episodes": [
        {"number": n, "title": f"Episode {n}", "hook": "a slap in the lobby",
         "beats": [{"description": "she arrives", "intensity": 6}, {"description": "the reveal", "intensity": 9}],
         "cliffhanger": "her father recognises her"}
        for n in range(1, episodes + 1)
    ]}


def approve(summary: str = "Works for me.") -> dict:
    return {"verdict": "approve", "summary": summary, "issues": []}


def revise(quote: str = "board room", problem: str = "too generic", fix: str = "make it specific", verdict: str = "revise") -> dict:
    return {"verdict": verdict, "summary": f"{problem}.",
            "issues": [{"severity": "major", "quote": quote, "problem": problem, "fix": fix}]}


def revision(artifact: dict, issues: int = 1) -> dict:
    return {"artifact": artifact, "answers": [{"issue": i, "response": "done", "accepted": True} for i in range(1, issues + 1)]}
