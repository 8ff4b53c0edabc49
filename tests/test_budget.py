"""The cost ledger and the budget: prices, a run stopped before the call that would pass it, the estimate."""

from __future__ import annotations

import json

import pytest

from agents.roles import ARTIFACTS
from cli_helpers import room, run_id_of
from graphs.estimate import ASSUMED_ROUNDS, estimate, from_structure
from graphs.room import read_ledger, summarize_ledger
from graphs.runs import Runs
from tools.errors import ConfigError
from tools.prices import Budget, BudgetExceededError, Price, price_of
from waiting import PITCH_ROUND, enqueue

PRICED = {"scripted:*": {"input": 1000.0, "output": 2000.0}}  # dollars per million tokens: a token costs a mill


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("2.50", 2.5, "usd"),
        ("$2.50", 2.5, "usd"),
        ("3usd", 3, "usd"),
        ("200000tok", 200000, "tokens"),
        ("200k tokens", 200000, "tokens"),
        ("1.5m tok", 1.5e6, "tokens"),
        (4, 4, "usd"),
    ],
)
def test_a_budget_is_dollars_or_tokens(text, amount, unit):
    assert Budget.parse(text) == Budget(amount, unit)


@pytest.mark.parametrize("text", ["", "lots", "-1", "0", "$5tok", "2.5 euros", "1e9"])
def test_a_budget_that_is_no_amount_is_one_line(text):
    with pytest.raises(ConfigError, match="budget"):
        Budget.parse(text)


def test_prices_come_from_the_model_then_its_provider_and_a_local_model_is_free(make_ctx):
    table = {"openai:gpt-x": Price(1, 2), "deepseek:*": Price(3, 4)}
    assert price_of(table, "openai:gpt-x") == Price(1, 2)
    assert price_of(table, "deepseek:anything") == Price(3, 4)
    assert price_of(table, "openai:unknown") is None
    assert price_of(table, "openai:unknown", local=True) == Price(0, 0)
    ctx = make_ctx(prices={"openai:gpt-4.1-mini": {"input": 9, "output": 9}})
    assert ctx.price("openai:gpt-4.1-mini") == Price(9, 9)  # room.toml wins over the bundled table
    assert ctx.price("embedded:gemma3-270m") == Price(0, 0)
    local = make_ctx(model="openai:qwen2.5-7b", base_url="http://127.0.0.1:8000/v1")
    assert local.price("openai:qwen2.5-7b") == Price(0, 0)  # a server on this machine costs nothing
    with pytest.raises(ConfigError, match="price"):
        make_ctx(prices={"openai:x": {"input": "cheap"}})


def priced_pitch(script, make_ctx) -> tuple[Runs, str, list[dict]]:
    """A run that negotiated its pitch on priced models; its ledger rows."""
    enqueue(script, PITCH_ROUND)
    runs = Runs(make_ctx(prices=PRICED))
    run_id, events = runs.start("A lighthouse keeper's daughter")
    list(events)
    return runs, run_id, read_ledger(runs.ctx, run_id)


def test_every_call_is_priced_in_the_ledger(script, make_ctx):
    runs, run_id, rows = priced_pitch(script, make_ctx)
    assert len(rows) == 3 and all(r["episode"] == 0 for r in rows)
    for r in rows:
        assert r["cost"] == pytest.approx((r["input_tokens"] * 1000 + r["output_tokens"] * 2000) / 1e6)
    total = summarize_ledger(rows, by=("run_id",))[(run_id,)]
    assert total["cost"] == pytest.approx(sum(r["cost"] for r in rows)) and total["unpriced"] == 0


def test_a_run_stops_before_the_call_that_would_pass_its_budget_and_goes_on_with_a_higher_one(script, make_ctx):
    enqueue(script, PITCH_ROUND)
    # the pitch's proposal fits (at most $2.15 with its 3 examples), its critiques do not
    runs = Runs(make_ctx(prices=PRICED, budget="2.50"))
    run_id, events = runs.start("A lighthouse keeper's daughter")
    with pytest.raises(BudgetExceededError, match=r"spent \$0\.\d+ of its \$2\.50 budget") as stopped:
        list(events)
    assert f"room resume {run_id} --budget" in str(stopped.value)
    rows = read_ledger(runs.ctx, run_id)
    spent = sum(r["cost"] for r in rows)
    assert 1 <= len(rows) < 3 and spent <= 2.50
    view = runs.view(run_id)
    assert view.state == "interrupted" and "BudgetExceededError" in view.failed["error"]
    assert view.values["budget"] == {"amount": 2.5, "unit": "usd"}
    again = Runs(make_ctx(prices=PRICED, budget="100"))
    list(again.resume(run_id))
    assert again.view(run_id).waiting["gate"] == "pitch"
    assert len(read_ledger(runs.ctx, run_id)) == 3  # the refused call was made once, after the raise


def test_a_money_budget_with_an_unpriced_model_is_refused_before_anything(make_ctx):
    runs = Runs(make_ctx(budget="2", prices={}))
    with pytest.raises(ConfigError, match="needs a price for scripted"):
        runs.start("premise")
    assert runs.run_ids() == []


def test_the_estimate_without_a_ledger_follows_the_rooms_structure(make_ctx):
    ctx = make_ctx(prices=PRICED, round_limit=3)
    one, forty = from_structure(ctx, 1), from_structure(ctx, 40)
    assert forty.calls > one.calls and forty.cost > one.cost > 0
    # the series' artifacts are made once, an episode's once per episode: linear in the episodes, but for the
    # outline's owner, who writes a long series a part of 10 episodes at a time (4 answers a round for 40)
    ten = from_structure(ctx, 10)
    rounds = min(ASSUMED_ROUNDS, 3)
    parted = {n: len(ARTIFACTS["outline"].parts(n)) * rounds for n in (1, 10, 40)}
    assert (parted[1], parted[10], parted[40]) == (rounds, rounds, 4 * rounds)
    linear = {n: e.calls - parted[n] for n, e in ((1, one), (10, ten), (40, forty))}
    assert linear[10] - linear[1] == pytest.approx((linear[40] - linear[1]) * 9 / 39)
    assert "no earlier run" in forty.basis


def test_the_estimate_without_a_ledger_times_a_model_on_this_machine_by_what_it_reads_too(make_ctx):
    from graphs.estimate import ASSUMED_SECONDS_PER_1K, LOCAL_SECONDS_PER_1K

    hosted, local = (
        from_structure(make_ctx(model="openai:gpt-4.1-mini", role_models={}), 1),
        from_structure(make_ctx(model="embedded:gemma3-270m", role_models={}), 1),
    )
    assert (local.calls, local.input_tokens, local.output_tokens) == (
        hosted.calls,
        hosted.input_tokens,
        hosted.output_tokens,
    )
    assert hosted.seconds == pytest.approx(hosted.output_tokens / 1000 * ASSUMED_SECONDS_PER_1K)
    assert local.seconds == pytest.approx((local.input_tokens + local.output_tokens) / 1000 * LOCAL_SECONDS_PER_1K)
    assert local.seconds > 20 * hosted.seconds


def test_the_estimate_comes_from_earlier_runs_when_the_ledger_has_them(script, make_ctx):
    runs, _, rows = priced_pitch(script, make_ctx)
    guess = estimate(runs.ctx, 5)
    assert "1 earlier run" in guess.basis
    assert guess.calls == len(rows)  # no episode made yet: the series' calls alone
    assert guess.cost == pytest.approx(sum(r["cost"] for r in rows))


def test_the_command_line_says_spent_and_budget_and_an_exceeded_budget_exits_9(project):
    script = {role: replies for role, replies in PITCH_ROUND.items()}
    out = room(project, "run", "A lighthouse keeper's daughter", "--budget", "300tok", script=script)
    assert out.returncode == 9, out.stderr
    assert "budget" in out.stderr and "Traceback" not in out.stderr
    run_id = run_id_of(out.stdout)
    status = json.loads(room(project, "status", run_id, "--json").stdout)
    assert status["budget"]["unit"] == "tokens" and status["budget"]["amount"] == 300
    assert status["spent"]["tokens"] <= 300
    guess = room(project, "estimate", "another premise", "--episodes", "40", "--json")
    assert guess.returncode == 0 and json.loads(guess.stdout)["episodes"] == 40


def test_a_run_keeps_its_budget_and_models_when_a_later_command_names_neither(script, make_ctx, project):
    from graphs.context import load_context

    enqueue(script, PITCH_ROUND)
    runs = Runs(make_ctx(prices=PRICED, budget="2.50"))
    run_id, events = runs.start("A lighthouse keeper's daughter")
    with pytest.raises(BudgetExceededError):
        list(events)
    assert runs.view(run_id).values["models"]["role_models"]["director"] == "scripted:director"
    # a later process that names no model and no budget (the project's default is the embedded model): the
    # critique, a step of the negotiation, still runs on the run's scripted models and under its budget
    later = load_context(project, {"produce": False, "prices": PRICED}, env={})
    assert later.model.startswith("embedded") and not later.models_given
    with pytest.raises(BudgetExceededError):
        list(Runs(later).resume(run_id))
    assert len(read_ledger(runs.ctx, run_id)) == 1
    list(Runs(load_context(project, {"produce": False, "prices": PRICED, "budget": "100"}, env={})).resume(run_id))
    assert runs.view(run_id).waiting["gate"] == "pitch"
    assert {r["model"] for r in read_ledger(runs.ctx, run_id)} <= {f"scripted:{r}" for r in PITCH_ROUND}


def test_the_ledger_is_read_as_it_grows_a_half_written_line_waits_and_a_new_file_is_read_whole(make_ctx):
    from graphs.room import ledger_path, read_ledger

    ctx = make_ctx()
    path = ledger_path(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)

    def row(run: str, tokens: int) -> str:
        return json.dumps({"run_id": run, "input_tokens": tokens, "output_tokens": 0}) + "\n"

    assert read_ledger(ctx) == []
    path.write_text(row("a", 1) + row("b", 2), encoding="utf-8")
    assert [r["input_tokens"] for r in read_ledger(ctx)] == [1, 2]
    with path.open("a", encoding="utf-8") as handle:  # another process appends, the last line half written
        handle.write(row("a", 3) + row("a", 4)[:10])
        handle.flush()
        assert [r["input_tokens"] for r in read_ledger(ctx, "a")] == [1, 3]
        handle.write(row("a", 4)[10:])
    assert [r["input_tokens"] for r in read_ledger(ctx, "a")] == [1, 3, 4]
    fresh = path.with_suffix(".new")
    fresh.write_text(row("c", 9), encoding="utf-8")
    fresh.replace(path)  # the ledger replaced by another file (a restored backup)
    assert read_ledger(ctx) == [{"run_id": "c", "input_tokens": 9, "output_tokens": 0}]


def test_a_later_render_labels_what_it_makes_with_the_runs_models_not_the_processs(
    script, make_ctx, project, monkeypatch
):
    from agents import production
    from graphs.context import load_context
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    started = runs.view(run_id).values["models"]
    labelled = []

    def render_episode(studio, values, episode, inputs):
        labelled.append(set(studio.models))
        raise RuntimeError("stop before the render")

    monkeypatch.setattr(production, "render_episode", render_episode)
    later = Runs(load_context(project, {"produce": True, "render": "tiny", "speech": "espeak"}, env={}))
    assert later.ctx.model.startswith("embedded")
    with pytest.raises(RuntimeError, match="stop before the render"):
        later.render(run_id, 1)
    assert labelled == [{started["model"], *started["role_models"].values()}]
