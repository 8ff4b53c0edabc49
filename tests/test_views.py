"""Text is text: model and user text is shown as written, never read as Rich markup."""

from __future__ import annotations

import pytest

import factories as f
from cli import views
from cli_helpers import room, run_id_of
from graphs.runs import RunView
from waiting import BIBLE_ROUND, PITCH_ROUND

TRICKY = "the [/] and [bold]loud[/bold] parts :smile: [major]"


def flat(text: str) -> str:
    return " ".join(text.split())


def shown(*renderables) -> str:
    """What the room's console prints, wrapping undone."""
    with views.console.capture() as captured:
        for renderable in renderables:
            views.console.print(renderable)
    return flat(captured.get())


def waiting_view(premise: str = TRICKY) -> RunView:
    issue = {"severity": "major", "quote": "board [/] room", "problem": "too [red]generic", "fix": "name it"}
    waiting = {
        "gate": "pitch",
        "version": 2,
        "author": "screenwriter",
        "rounds": 3,
        "status": "escalated",
        "content": f.pitch("The [/] Return"),
        "dissent": [{"reviewer": "director", "verdict": "revise", "summary": "s", "issues": [issue]}],
    }
    return RunView(
        run_id="abc123",
        premise=premise,
        state="waiting",
        waiting=waiting,
        approved={"pitch": 1},
        values={"lang": "en"},
        checkpoint_id="c1",
        updated="",
    )


def test_the_gate_panel_shows_severities_and_brackets():
    out = shown(views.gate_panel(waiting_view(), "outputs/abc123/pending/pitch.v2.json"))
    assert "[major] “board [/] room” too [red]generic → name it" in out
    assert "The [/] Return" in out


def test_the_runs_table_shows_a_premise_as_written():
    out = shown(views.runs_table([waiting_view()]))
    assert "the [/] and [bold]loud[/bold]" in out


def test_live_events_show_summaries_as_written():
    with views.progress(quiet=True) as live, views.console.capture() as captured:
        live.line({"type": "verdict", "role": "director", "verdict": "revise", "issues": 1, "summary": TRICKY}, "en")
    assert TRICKY in flat(captured.get())


def test_what_the_room_took_out_kept_or_started_is_one_line_each():
    with views.progress(quiet=True) as live, views.console.capture() as captured:
        live.line({"type": "scrubbed", "role": "screenwriter", "artifact": "pitch", "fields": ["hook", "[x]"]}, "en")
        live.line({"type": "kept", "episode": 2, "shots": ["1B"], "lines": ["1:0", "2:3"]}, "en")
        live.line({"type": "producing", "episode": 3}, "en")
        live.line({"type": "outcome", "artifact": "outline", "status": "escalated", "rounds": 2, "stalled": True}, "en")
    out = flat(captured.get())
    assert "copied or markup, taken out of the pitch: hook, [x]" in out
    assert "episode 2 made again: kept your shot 1B, line 1:0, line 2:3" in out
    assert "episode 3 is being made in the background; the room writes on" in out
    assert "outline: escalated after 2 round(s) (its revision fixed none of the room's checks' findings)" in out


def test_styled_escapes_values_and_keeps_number_formats():
    text = views.styled("[green]{}[/] · {:.2f} · {}", "[/]", 0.5, TRICKY)
    assert text.plain == f"[/] · 0.50 · {TRICKY}"
    assert [span.style for span in text.spans] == ["green"]


@pytest.mark.integration
def test_status_memory_and_chat_show_brackets_and_provenance(project):
    script = {
        "screenwriter": [f.pitch("The [/bold] Heiress [italic]")],  # rich's markup; "[/]" is markup the room takes out
        "cultural_consultant": [f.approve()],
        "director": [f.approve()],
    }
    first = room(project, "run", "She returns [/] as [bold]CEO", script=script)
    assert first.returncode == 0, first.stderr
    run_id = run_id_of(first.stdout)
    for args in (("status",), ("status", run_id), ("memory", "list"), ("memory", "search", "heiress")):
        result = room(project, *args)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (args, result.stderr)
        assert "[/" in result.stdout, (args, result.stdout)
    assert "She returns [/] as [bold]CEO" in room(project, "status").stdout
    assert "The [/bold] Heiress [italic]" in room(project, "memory", "list", "--kind", "artifact").stdout
    chat = room(project, "chat", run_id, stdin="/memory heiress\n/quit\n")
    assert chat.returncode == 0, chat.stderr
    assert "- [artifact · screenwriter · pitch v1]" in chat.stdout  # the provenance tag stays


def test_a_memory_record_is_shown_as_written():
    from memory import Kind, MemoryRecord

    record = MemoryRecord(kind=Kind.NOTE, text=TRICKY, role="human", run_id="r", artifact="ep01.[bold]script")
    out = shown(*views.record_lines(record, views.styled("[bold]{:.2f}[/] ", 0.5)))
    assert out == f"0.50 note human · ep01.[bold]script v0 r0 · proposed {TRICKY}"


def test_a_chinese_run_approved_later_names_its_roles_in_chinese(project):
    first = room(project, "run", "被赶出家门的千金三年后以集团总裁身份归来", "--lang", "zh", script=PITCH_ROUND)
    assert first.returncode == 0 and "编剧" in first.stdout, first.stderr
    later = room(project, "approve", run_id_of(first.stdout), name="second", script=BIBLE_ROUND)  # no --lang
    assert later.returncode == 0, later.stderr
    assert "Screenwriter 编剧 proposes the bible" in later.stdout, later.stdout
