"""What a run will cost before anything is generated (`room estimate`).

From the project's ledger when it has earlier runs: the mean of what
developing a series took (calls, tokens, model seconds: every call of
episode 0) and the mean of what one episode took, over the runs and episodes
the ledger has, for `series + episodes x episode`, priced as the models the
context names charge. Without one, from the room's
structure: each negotiated artifact takes its owner's proposal and one
critique per reviewer a round, for `ASSUMED_ROUNDS` rounds, each call a
typical prompt and half the tokens it may write; priced with the models the
context names, and timed at a hosted model's speed or, for a model on this
machine, at the embedded model's measured speed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from agents.roles import ARTIFACTS
from graphs.context import ROLE_NAMES, Context
from graphs.room import read_ledger

ASSUMED_ROUNDS = 2  # a negotiation without a ledger to go by: a proposal, critiques, one revision, critiques
ASSUMED_PROMPT = 1800  # tokens of a typical prompt: the task, its examples, recalled memory, earlier artifacts
CRITIQUE_TOKENS = 700  # what a critique may write (graphs.negotiation)
ASSUMED_SECONDS_PER_1K = 2.0  # model seconds per thousand tokens written, without a ledger (a hosted model)
# a model on this machine reads its prompt as slowly as it writes: model seconds per thousand tokens read or
# written, from a one-episode run of the embedded Gemma 3 270M on 2 CPU cores (1,125 s for 62,789 tokens read
# and 7,201 written)
LOCAL_SECONDS_PER_1K = 16.0
FIELDS = ("calls", "input_tokens", "output_tokens", "seconds", "cost")


@dataclass
class Estimate:
    episodes: int
    calls: float
    input_tokens: float
    output_tokens: float
    seconds: float
    cost: float | None  # dollars; None when a model has no price
    basis: str  # what it was made from, as a person reads it

    def as_json(self) -> dict:
        return {k: getattr(self, k) for k in ("episodes", *FIELDS, "basis")}


def _mean(groups: dict) -> dict[str, float]:
    if not groups:
        return dict.fromkeys(FIELDS, 0.0)
    return {f: sum(g[f] for g in groups.values()) / len(groups) for f in FIELDS}


def from_ledger(ctx: Context, rows: list[dict], episodes: int) -> Estimate | None:
    """Series and per-episode means of the earlier runs' calls (rows written with their episode), or None; their
    tokens priced as each role's model in `ctx` charges (the models a new run would use)."""
    series: dict = defaultdict(lambda: dict.fromkeys(FIELDS, 0.0))
    episode: dict = defaultdict(lambda: dict.fromkeys(FIELDS, 0.0))
    priced = True
    for row in rows:
        if "episode" not in row:  # written before the ledger kept episodes
            continue
        group = series[row["run_id"]] if not row["episode"] else episode[(row["run_id"], row["episode"])]
        group["calls"] += 1
        for f in ("input_tokens", "output_tokens", "seconds"):
            group[f] += row[f]
        price = ctx.price(ctx.model_for(row["role"])) if row["role"] in ROLE_NAMES else ctx.price(row["model"])
        priced = priced and price is not None
        group["cost"] += price.of(row["input_tokens"], row["output_tokens"]) if price else 0.0
    if not series:
        return None
    one_series, one_episode = _mean(series), _mean(episode)
    total = {f: one_series[f] + episodes * one_episode[f] for f in FIELDS}
    basis = f"the ledger: {len(series)} earlier run(s), {len(episode)} episode(s) made"
    return Estimate(episodes, **{**total, "cost": total["cost"] if priced else None}, basis=basis)


def from_structure(ctx: Context, episodes: int) -> Estimate:
    """The room's calls as its negotiations are built, with typical sizes: a first guess with no ledger."""
    calls = inputs = outputs = seconds = 0.0
    cost: float | None = 0.0
    for artifact in ARTIFACTS.values():
        times = episodes if artifact.per_episode else 1
        rounds = min(ASSUMED_ROUNDS, ctx.round_limit) if artifact.gated else 1
        owner = artifact.owner.name  # an outline of a long series is written a part at a time
        asks = [(owner, artifact.tokens_for(part.episodes)) for part in artifact.parts(episodes)] + [
            (r.name, CRITIQUE_TOKENS) for r in artifact.reviewers
        ]
        for role, writes in asks:
            n = times * rounds
            out = n * writes / 2
            calls, inputs, outputs = calls + n, inputs + n * ASSUMED_PROMPT, outputs + out
            model = ctx.model_for(role)
            if ctx.is_local(model):
                seconds += (n * ASSUMED_PROMPT + out) / 1000 * LOCAL_SECONDS_PER_1K
            else:
                seconds += out / 1000 * ASSUMED_SECONDS_PER_1K
            price = ctx.price(model)
            cost = None if price is None or cost is None else cost + price.of(n * ASSUMED_PROMPT, int(out))
    basis = f"the room's structure ({ASSUMED_ROUNDS} rounds a negotiation, typical sizes): no earlier run to go by"
    return Estimate(episodes, calls, inputs, outputs, seconds, cost, basis)


def estimate(ctx: Context, episodes: int) -> Estimate:
    return from_ledger(ctx, read_ledger(ctx), episodes) or from_structure(ctx, episodes)
