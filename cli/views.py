"""How the room looks in a terminal: live events, gate panels, tables (rich).

Text is text: both consoles print strings as they are (no Rich markup or :emoji:), so a
note holding `[/]` or an issue tagged `[major]` shows as written, in a line,
a table cell or a panel. The room's own colours go through `styled`, which
escapes every value it is given before the template's markup is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from agents.roles import ROLES, to_markdown
from graphs.runs import RunView
from tools.errors import InputError
from tools.prices import Budget

console = Console(highlight=False, markup=False, emoji=False)
err = Console(stderr=True, highlight=False, markup=False, emoji=False)


def require_utf8(text: str, what: str) -> str:
    """Text from the terminal (an argument, a chat line) as given, or an InputError if its bytes are not UTF-8.

    Python hands such bytes on as surrogates, which fail far later, where the text is stored or shown.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise InputError(f"{what} {shown[:60]!r} is not valid UTF-8: give it as UTF-8 text") from None
    return text


def record_lines(r, before: Text | str = "", after: Text | str = "", chars: int = 300) -> tuple[Text, Text]:
    """A memory record's provenance (kind, role, artifact, version, round, status) and its text, as written."""
    provenance = styled("[cyan]{}[/] {} · {} v{} r{} · {}", r.kind, r.role, r.artifact, r.version, r.round, r.status)
    return Text.assemble(before, provenance, after), Text(f"   {r.text[:chars]}")


def styled(template: str, *values: object) -> Text:
    """`template`'s Rich markup around `values`, which are shown as written (numbers keep their format specs)."""

    def plain(value: object) -> object:
        return value if isinstance(value, (int, float)) else escape(format(value))

    return Text.from_markup(template.format(*map(plain, values)), emoji=False)


_VERDICT_STYLE = {"approve": ("✓", "green"), "revise": ("✎", "yellow"), "block": ("✗", "red")}
_ACTIONS = {"proposes": "is drafting", "reviews": "is reviewing", "revises": "is revising"}


def role_title(name: str, lang: str = "en") -> str:
    role = ROLES.get(name)
    if role is None:
        return name
    return f"{role.title('en')} {role.titles.get('zh', '')}".strip() if lang == "zh" else role.title("en")


STEPS = {"frames": "frames drawn", "lines": "lines spoken", "segments": "video segments encoded"}


@contextmanager
def progress(quiet: bool = False) -> Iterator["Live"]:
    """A spinner saying who is working, and a bar with a count and an ETA for each long production step."""
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    with bars:
        yield Live(bars, quiet)


class Status:
    """The spinner's line: who is working now."""

    def __init__(self, bars: Progress):
        self._bars = bars
        self._task = bars.add_task("the room is starting…", total=None)

    def update(self, text: Text | str) -> None:
        self._bars.update(self._task, description=escape(text.plain if isinstance(text, Text) else text))


class Live:
    """Prints each event of a run as one line, keeps a spinner saying who is working, and a bar per long step."""

    def __init__(self, bars: Progress, quiet: bool):
        self.status = Status(bars)
        self.quiet = quiet
        self._bars = bars
        self._steps: dict[str, TaskID] = {}

    def advance(self, step: str, done: int, total: int) -> None:
        """A long step's count: its bar appears on the first, and goes when the step is done."""
        if step not in self._steps:
            self._steps[step] = self._bars.add_task(escape(STEPS.get(step, step)), total=total)
        self._bars.update(self._steps[step], completed=done, total=total)
        if done >= total:
            self._bars.remove_task(self._steps.pop(step))

    def show(self, events: Iterable[dict], lang: str = "en") -> int:
        count = 0
        for event in events:
            count += 1
            self.line(event, lang)
        return count

    def line(self, e: dict, lang: str) -> None:
        kind = e.get("type")
        who = role_title(e.get("role", ""), lang)
        if kind == "progress":
            self.advance(e["step"], e["done"], e["total"])
        elif kind == "speak":
            self.status.update(
                Text(f"{who} {_ACTIONS.get(e['action'], e['action'])} the {e['artifact']} (round {e['round']})…")
            )
            if not self.quiet:
                console.print(
                    styled(
                        "[bold]●[/] {} {} the [bold]{}[/] [dim](round {})[/]",
                        who,
                        e["action"],
                        e["artifact"],
                        e["round"],
                    )
                )
        elif kind == "verdict":
            mark, style = _VERDICT_STYLE.get(e["verdict"], ("?", "white"))
            issues = f", {e['issues']} issue{'s' * (e['issues'] != 1)}" if e["issues"] else ""
            console.print(
                styled(
                    "  [" + style + "]{} {}: {}[/]{} [dim]— {}[/]", mark, who, e["verdict"], issues, e["summary"][:100]
                )
            )
        elif kind == "outcome":
            style = "green" if e["status"] == "consensus" else "yellow"
            console.print(
                styled(
                    "  ["
                    + style
                    + "]→ {}: {} after {} round(s)[/]"
                    + (" [dim](its revision fixed none of the room's checks' findings)[/]" if e.get("stalled") else ""),
                    e["artifact"],
                    e["status"],
                    e["rounds"],
                )
            )
        elif kind == "scrubbed":
            fields = ", ".join(e["fields"][:4]) + (" …" if len(e["fields"]) > 4 else "")
            console.print(
                styled("  [dim]↺ {}: copied or markup, taken out of the {}: {}[/]", who, e["artifact"], fields)
            )
        elif kind == "stand_in":
            console.print(
                styled(
                    "  [yellow]⚠ {}: no usable {} ({}); its frames are drawn from the shot list[/]",
                    who,
                    e["artifact"],
                    e["reason"][:160],
                )
            )
        elif kind == "kept":
            kept = [*(f"shot {s}" for s in e["shots"]), *(f"line {k}" for k in e["lines"])]
            console.print(styled("  [dim]✓ episode {} made again: kept your {}[/]", e["episode"], ", ".join(kept)))
        elif kind == "producing":
            console.print(
                styled("  [dim]▶ episode {} is being made in the background; the room writes on[/]", e["episode"])
            )
        elif kind == "decision":
            console.print(styled("[bold cyan]◆[/] {} v{}: {} ({})", e["artifact"], e["version"], e["action"], e["by"]))


def gate_panel(view: RunView, draft_path: str | None = None) -> Panel:
    w = view.waiting
    lang = view.values.get("lang", "en")
    head = Text.assemble(
        ("waiting for you: ", "bold"),
        (f"{w['gate']} v{w['version']}", "bold magenta"),
        f"  ·  by {w['author']}  ·  {w['rounds']} round(s)  ·  ",
        (w["status"], "green" if w["status"] == "consensus" else "yellow"),
    )
    parts: list = [head, Markdown(to_markdown(w["gate"], w["content"], lang))]
    if w.get("originality"):
        parts.append(originality_line(w["originality"]))
    if w["dissent"]:
        table = Table(title="Open dissent", show_lines=True, expand=True)
        table.add_column("reviewer", no_wrap=True)
        table.add_column("verdict")
        table.add_column("issues")
        for d in w["dissent"]:
            issues = (
                "\n".join(f"[{i['severity']}] “{i['quote']}” {i['problem']} → {i['fix']}" for i in d["issues"])
                or d["summary"]
            )
            table.add_row(role_title(d["reviewer"], lang), d["verdict"], issues)
        parts.append(table)
    rid = view.run_id
    hints = [f"room approve {rid}", f'room approve {rid} --reject "what to change"', f"room chat {rid}"]
    if draft_path:
        hints.insert(1, f"room approve {rid} --edit {draft_path}")
    parts.append(Text("\n".join(hints), style="cyan"))
    return Panel(Group(*parts), title=Text(f"Gate · run {rid}"), border_style="magenta")


def originality_line(score: dict) -> Text:
    """The originality guard's score of the waiting version: its text nearest a stock trope or an earlier one."""
    kind = "stock trope" if score["library"] else "earlier"
    flagged = score["flagged"]
    return Text.assemble(
        ("originality: ", "bold"),
        (f"{score['similarity']:.2f}", "yellow" if flagged else "green"),
        f" similar (limit {score['limit']:.2f}) · {score['where']} near {kind} {score['source']}: “{score['neighbour']}”",
        (f" · {flagged} of {score['checked']} texts too close" if flagged else "", "yellow"),
    )


def stopped_line(view: RunView) -> Text:
    """A run that stopped between steps: why, and how to go on."""
    rid = view.run_id
    if view.failed:
        return Text.assemble(
            (f"run {rid} failed at {view.failed['stage']}", "yellow"),
            f": {view.failed['error']}\n",
            f"retry it: room resume {rid} · make it again: room resume {rid} --redo STAGE",
        )
    return Text.assemble((f"run {rid} stopped between steps", "yellow"), f": room resume {rid}")


def runs_table(views: list[RunView]) -> Table:
    table = Table(title="Runs")
    for col in ("run", "state", "waiting at", "approved", "premise"):
        table.add_column(col)
    for v in views:
        gate = f"{v.waiting['gate']} v{v.waiting['version']}" if v.waiting else ""
        if v.failed:
            gate = f"failed at {v.failed['stage']}: {v.failed['error']}"
        approved = ", ".join(f"{k} v{n}" for k, n in v.approved.items())
        premise = v.premise[:60] + (f" (fork of {v.forked_from})" if v.forked_from else "")
        table.add_row(v.run_id, v.state, Text(gate), Text(approved), Text(premise))
    return table


def history_table(run_id: str, rows: list[dict]) -> Table:
    table = Table(title=f"Checkpoints of run {run_id} (newest first; rewind to any: room rewind {run_id} CHECKPOINT)")
    table.add_column("checkpoint", no_wrap=True)
    for col in ("step", "gate", "next step", "approved"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r["checkpoint_id"],
            str(r["step"]),
            Text(r["gate"], style="bold magenta"),
            Text(r["stage"]),
            ", ".join(f"{k} v{n}" for k, n in r["approved"].items()),
        )
    return table


def cast_table(run_id: str, heard: list) -> Table:
    """Each character's voice and the sample it said."""
    table = Table(title=f"Cast of run {run_id} (recast one: room cast {run_id} CHARACTER VOICE)")
    for col in ("character", "voice", "pitch", "rate", "sample"):
        table.add_column(col)
    for name, spec, sample in heard:
        table.add_row(
            Text(name), Text(f"{spec.backend}:{spec.voice}"), f"{spec.pitch:+g}", f"{spec.rate:g}", Text(str(sample))
        )
    return table


def print_json(data) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def money(cost: float, unpriced: int = 0) -> str:
    """`$0.0123`, or `?` for calls of a model with no price (`+ ?` when some calls were priced)."""
    if unpriced and not cost:
        return "?"
    return f"${cost:.4f}" + (" + ?" if unpriced else "")


def ledger_table(run_id: str, totals: dict[tuple, dict[str, float]]) -> Table:
    table = Table(title=f"Model use of run {run_id}")
    for col in ("role", "stage", "calls", "tokens in", "tokens out", "model s", "cost"):
        table.add_column(col, justify="right" if col not in ("role", "stage") else "left")
    for (role, stage), t in sorted(totals.items()):
        table.add_row(
            role,
            stage,
            str(int(t["calls"])),
            str(int(t["input_tokens"])),
            str(int(t["output_tokens"])),
            f"{t['seconds']:.1f}",
            money(t["cost"], int(t["unpriced"])),
        )
    return table


def spending(totals: dict[tuple, dict[str, float]], budget: Budget | None = None) -> dict:
    """What the run spent (its ledger's `totals`), and its budget (`Context.budget_of`) and what is left."""
    cost = sum(t["cost"] for t in totals.values())
    tokens = sum(t["input_tokens"] + t["output_tokens"] for t in totals.values())
    out = {
        "spent": {
            "cost": round(cost, 6),
            "tokens": int(tokens),
            "unpriced": int(sum(t["unpriced"] for t in totals.values())),
        }
    }
    if budget:
        out["budget"] = {**budget.as_json(), "left": max(0.0, budget.amount - budget.spent(cost, tokens))}
    return out


def spending_line(totals: dict[tuple, dict[str, float]], budget: Budget | None = None) -> Text:
    """`spent $0.0123 (4,210 tokens) · budget $2.50: $2.49 left`."""
    s = spending(totals, budget)
    spent = s["spent"]
    text = f"spent {money(spent['cost'], spent['unpriced'])} ({spent['tokens']:,} tokens)"
    if budget:
        text += f" · budget {budget.shown()}: {budget.shown(s['budget']['left'])} left"
    return Text(text)


def estimate_panel(guess) -> Panel:
    cost = (
        "unknown (a model has no price: set it in room.toml [prices])" if guess.cost is None else f"${guess.cost:.2f}"
    )
    lines = [
        f"episodes      {guess.episodes}",
        f"model calls   {guess.calls:,.0f}",
        f"tokens        {guess.input_tokens:,.0f} in · {guess.output_tokens:,.0f} out",
        f"cost          {cost}",
        f"model time    {guess.seconds / 60:,.1f} min",
    ]
    return Panel(Text("\n".join(lines)), title="Estimate", subtitle=Text(f"from {guess.basis}"), border_style="cyan")
