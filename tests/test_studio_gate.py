"""The gate page: the waiting artifact as a document, its versions and their diff, the negotiation behind it;
approve, reject with a note, edit as YAML (errors inline, nothing lost, nothing answered), one gate only."""

from __future__ import annotations

import html

import pytest
import yaml

import factories as f
from graphs.room import project_memory
from graphs.runs import Runs
from memory import Kind
from studio_client import post, settle, studio_client
from waiting import BIBLE_ROUND, PITCH_ROUND, at_pitch_gate, enqueue

MARKUP = "<script>alert('x')</script>"


def marked_bible(kept: bool = False) -> dict:
    """A bible whose model wrote HTML into it, or with `kept`, as the room keeps it: the tags taken out
    (`agents.markup`), the rest text that the page must escape."""
    bible = f.bible()
    bible["characters"][0]["secret"] = (
        "she hides alert('x') 3 < 4 & 5 > 2" if kept else f"she hides {MARKUP} 3 < 4 & 5 > 2"
    )
    bible["world"]["rules"].append("no ghosts" if kept else "<b>no</b> ghosts")
    return bible


def at_bible_gate(script, make_ctx, bible: dict, consultant: list, art_director: list, revisions=(), **ctx):
    """A run whose pitch passed on its own and that negotiated `bible` (then `revisions`) with these reviewers."""
    enqueue(script, PITCH_ROUND)
    script.enqueue("screenwriter", bible, *revisions)
    script.enqueue("cultural_consultant", *consultant)
    script.enqueue("art_director", *art_director)
    runs = Runs(make_ctx(auto_approve=("pitch",), **ctx))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    assert runs.view(run_id).waiting["gate"] == "bible"
    return runs, run_id


@pytest.fixture
def pitch_studio(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    client, control = studio_client(runs)
    return client, control, run_id


def gate_form(run_id: str, action: str, gate: str = "pitch", episode: int = 0, **fields) -> tuple[str, dict]:
    return f"/runs/{run_id}/gate", {"action": action, "gate": gate, "episode": str(episode), **fields}


def section(page: str, name: str) -> str:
    """The text of one `data-testid` section of the page."""
    start = page.index(f'data-testid="{name}"')
    return page[start : page.index("</section>", start)]


def test_the_bible_reads_as_characters_locations_and_rules_and_model_markup_stays_text(script, make_ctx):
    runs, run_id = at_bible_gate(script, make_ctx, marked_bible(), [f.approve()], [f.approve()])
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate")
    assert page.status_code == 200
    document = section(page.text, "document")
    assert "<h2>Characters</h2>" in document and "<h3>Lin Xia</h3>" in document and "<h3>Zhou Min</h3>" in document
    assert "<strong>Board room</strong>: glass walls over the city" in document
    assert "<h2>World</h2>" in document and "no magic" in document.split("<h2>World</h2>")[1]
    # the model's tags are taken out, and what is left is text everywhere: the document, the edit form, the diff
    assert "<script>" not in page.text and "&lt;script" not in page.text and "<b>no</b>" not in page.text
    assert "she hides alert('x') 3 &lt; 4 &amp; 5 &gt; 2" in document and "3 < 4" not in page.text
    assert "no ghosts" in document.split("<h2>World</h2>")[1]
    edit = section(page.text, "answers")
    assert yaml.safe_load(html.unescape(edit.split('data-testid="content">')[1].split("</textarea>")[0])) == (
        marked_bible(kept=True)
    )


def test_the_script_gate_reads_as_a_screenplay(script, make_ctx):
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "script")
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate").text
    answers = section(page, "answers")
    assert 'name="gate" value="script"' in answers and 'name="episode" value="1"' in answers
    document = section(page, "document")
    assert "<h3>INT. BOARD ROOM - NIGHT</h3>" in document and "<h3>EXT. ROOFTOP - NIGHT</h3>" in document
    assert "<strong>Lin Xia</strong>: You threw me out of this house three years ago, Father." in document
    assert 'data-testid="version-1"' in page and "ep01.script" not in document


def test_a_reviewers_issue_and_the_owners_answer_are_in_the_negotiation(script, make_ctx):
    issue = f.revise(quote="glass walls over the city", problem="a cliché skyline", fix="name the district")
    revised = f.bible()
    revised["locations"][0]["description"] = "glass walls over Lujiazui"
    runs, run_id = at_bible_gate(
        script,
        make_ctx,
        f.bible(),
        [issue, f.approve()],
        [f.approve(), f.approve()],
        [f.revision(revised)],
        round_limit=2,
    )
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate").text
    talk = section(page, "negotiation")
    assert 'data-testid="step-1"' in talk and 'data-testid="step-2"' in talk
    first = talk[talk.index('data-testid="step-1"') : talk.index('data-testid="step-2"')]
    assert "cultural_consultant" in first and "revise" in first
    assert '<q class="quote">glass walls over the city</q>' in first
    assert "a cliché skyline" in first and "→ name the district" in first
    second = talk[talk.index('data-testid="step-2"') :]
    assert "screenwriter" in second and "accepted" in second and "done" in second  # the owner's answer
    assert "consensus" in second  # the room's outcome
    # the revision shows as a diff of the two versions, with who wrote each
    assert "v1 (screenwriter) → v2 (screenwriter)" in page
    diff = section(page, "versions")
    assert '<span class="del">- - **Board room**: glass walls over the city</span>' in diff
    assert '<span class="add">+ - **Board room**: glass walls over Lujiazui</span>' in diff
    assert '<option value="1" selected>v1</option>' in diff and '<option value="2" selected>v2</option>' in diff
    chosen = section(client.get(f"/runs/{run_id}/gate?a=2&b=1").text, "versions")  # any two, oldest first
    assert "v1 (screenwriter) → v2 (screenwriter)" in chosen and '<span class="add">+ - **Board room**' in chosen


def test_open_dissent_is_shown_with_its_issues(script, make_ctx):
    issue = f.revise(quote="glass walls over the city", problem="a cliché skyline", fix="name the district")
    runs, run_id = at_bible_gate(script, make_ctx, f.bible(), [issue], [f.approve()], round_limit=1)
    client, _ = studio_client(runs)
    dissent = section(client.get(f"/runs/{run_id}/gate").text, "dissent")
    assert "cultural_consultant" in dissent and "a cliché skyline" in dissent and "→ name the district" in dissent


def test_approve_moves_the_run_on(pitch_studio, script):
    client, control, run_id = pitch_studio
    enqueue(script, BIBLE_ROUND)
    reply = post(client, *gate_form(run_id, "approve"))
    assert reply.status_code == 303 and reply.headers["location"] == f"/runs/{run_id}"
    settle(control, run_id)
    view = control.runs.view(run_id)
    assert view.approved == {"pitch": 1} and view.waiting["gate"] == "bible"
    assert "<h2>Characters</h2>" in client.get(f"/runs/{run_id}/gate").text


def test_a_rejection_needs_a_note_and_with_one_the_owner_revises(pitch_studio, script):
    client, control, run_id = pitch_studio
    empty = post(client, *gate_form(run_id, "reject", note="   "))
    assert empty.status_code == 400
    assert 'data-testid="reject-error"' in empty.text and "needs a note" in empty.text
    assert html.unescape(empty.text.split('data-testid="note">')[1].split("</textarea>")[0]) == "   "
    assert not control.busy(run_id) and control.feed(run_id).events == []
    assert control.runs.view(run_id).waiting["version"] == 1
    script.enqueue("screenwriter", f.revision(f.pitch("The Heiress Strikes Back")))
    enqueue(script, {"cultural_consultant": [f.approve()], "director": [f.approve()]})
    reply = post(client, *gate_form(run_id, "reject", note="a sharper title"))
    assert reply.status_code == 303
    settle(control, run_id)
    waiting = control.runs.view(run_id).waiting
    assert waiting["gate"] == "pitch" and waiting["version"] == 2
    page = client.get(f"/runs/{run_id}/gate").text
    versions = section(page, "versions")
    assert 'data-testid="version-1"' in versions and 'data-testid="version-2"' in versions
    assert "rejected" in versions
    assert '<span class="del">- # The Heiress Returns</span>' in versions
    assert '<span class="add">+ # The Heiress Strikes Back</span>' in versions
    talk = section(page, "negotiation")
    assert "The writer rejected pitch v1: a sharper title" in talk  # the person's note...
    second = talk[talk.index('data-testid="step-2"') :]
    assert "v2 · revised · screenwriter" in second and "writer: a sharper title" in second  # ...and its answer


def test_an_invalid_edit_is_shown_inline_with_the_typed_text_and_nothing_is_answered(script, make_ctx):
    runs, run_id = at_bible_gate(script, make_ctx, f.bible(), [f.approve()], [f.approve()])
    client, control = studio_client(runs)
    missing = f.bible()
    del missing["locations"]
    typed = yaml.safe_dump(missing) + f"# {MARKUP}\n"
    reply = post(client, *gate_form(run_id, "edit", gate="bible", content=typed))
    assert reply.status_code == 400
    assert 'data-testid="edit-error"' in reply.text and "the edited bible is not valid: locations" in reply.text
    kept = reply.text.split('data-testid="content">')[1].split("</textarea>")[0]
    assert html.unescape(kept) == typed and "<script>" not in kept
    malformed = "characters: [\n  - name: Lin\n"
    reply = post(client, *gate_form(run_id, "edit", gate="bible", content=malformed))
    assert reply.status_code == 400 and "the edited bible is not valid YAML (line" in reply.text
    assert html.unescape(reply.text.split('data-testid="content">')[1].split("</textarea>")[0]) == malformed
    assert not control.busy(run_id)
    assert control.runs.view(run_id).waiting["version"] == 1 and control.feed(run_id).events == []


def test_a_valid_edit_is_a_new_version_by_the_human(pitch_studio, script):
    client, control, run_id = pitch_studio
    enqueue(script, BIBLE_ROUND)
    mine = f.pitch("My Own Title")
    reply = post(client, *gate_form(run_id, "edit", content=yaml.safe_dump(mine, allow_unicode=True)))
    assert reply.status_code == 303
    settle(control, run_id)
    view = control.runs.view(run_id)
    assert view.approved == {"pitch": 2} and view.values["artifacts"]["pitch"]["title"] == "My Own Title"
    records = project_memory(control.ctx).list(run_id=run_id, kind=Kind.ARTIFACT, artifact="pitch")
    assert [(r.version, r.role) for r in records] == [(1, "screenwriter"), (2, "human")]


def test_an_answer_meant_for_another_gate_is_refused_in_one_line(pitch_studio):
    client, control, run_id = pitch_studio
    for action, fields in (("approve", {}), ("edit", {"content": "title: x\n"}), ("reject", {"note": "no"})):
        reply = post(client, *gate_form(run_id, action, gate="bible", **fields))
        assert reply.status_code == 409, action
        assert "waits at pitch, not at bible" in reply.text and len(reply.text.strip().splitlines()) == 1
    assert post(client, *gate_form(run_id, "approve", episode=2)).status_code == 409
    assert not control.busy(run_id) and control.runs.view(run_id).approved == {}


def test_a_run_at_no_gate_says_so_in_one_line(script, make_ctx):
    enqueue(script, PITCH_ROUND)
    runs = Runs(make_ctx(auto_approve=("pitch",)))
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    with pytest.raises(Exception):
        list(events)  # no bible is queued: the run fails at the bible and waits at no gate
    assert runs.view(run_id).waiting is None
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate")
    assert page.status_code == 200
    assert 'data-testid="no-gate"' in page.text and f'href="/runs/{run_id}"' in page.text
    assert 'data-testid="approve"' not in page.text


def test_the_final_cut_gate_links_to_its_episode_and_takes_approve_or_reject(script, make_ctx):
    from waiting import waiting_at

    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    client, control = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate").text
    assert f'href="/runs/{run_id}/episodes/1"' in section(page, "document")
    answers = section(page, "answers")
    assert 'data-testid="approve"' in answers and 'data-testid="reject"' in answers
    assert 'data-testid="edit"' not in answers and 'name="episode" value="1"' in answers
    assert 'data-testid="version-1"' in section(page, "versions")  # the episode's script, behind the cut
    refused = post(client, *gate_form(run_id, "edit", gate="final_cut", episode=1, content="title: x\n"))
    assert refused.status_code == 400 and "cannot be edited" in refused.text
    assert post(client, *gate_form(run_id, "approve", gate="final_cut", episode=1)).status_code == 303
    settle(control, run_id)
    assert control.runs.view(run_id).state == "finished"


def test_the_gate_speaks_the_projects_language(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx(lang="zh"))
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/gate").text
    assert "附此意见退回" in page and "协商过程" in page and "v1 · 已提出 · screenwriter" in page
    assert "一句话梗概" in section(page, "document")  # the pitch's own labels, as its export writes them


def test_a_critique_reads_from_the_negotiations_lines_from_json_or_as_plain_text():
    from cli.studio.gate_view import answers, review
    from memory import MemoryRecord

    def critique(text: str) -> MemoryRecord:
        return MemoryRecord(kind=Kind.CRITIQUE, text=text, role="director", run_id="r", artifact="pitch", round=2)

    lines = review(
        critique('director on pitch v1: revise. Flat.\n- [major] "a "quoted" hook": too slow → cut to the slap')
    )
    assert (lines.reviewer, lines.round, lines.verdict, lines.summary) == ("director", 2, "revise", "Flat.")
    assert [(i.severity, i.quote, i.problem, i.fix) for i in lines.issues] == [
        ("major", 'a "quoted" hook', "too slow", "cut to the slap")
    ]
    as_json = review(critique('{"verdict": "block", "summary": "No.", "issues": [{"quote": "q", "fix": "f"}]}'))
    assert as_json.verdict == "block" and as_json.issues[0].quote == "q" and as_json.issues[0].fix == "f"
    plain = review(critique("I just do not like it.\nNot at all."))
    assert plain.verdict == "" and plain.summary == "I just do not like it." and plain.issues[0].text == "Not at all."
    answered = answers(
        "screenwriter revised pitch to v2.\nIssues:\n1. [critical] writer: warmer\n2. [major] x\nAnswers:\n1. accepted: warmer now\n2. declined: it stays"
    )
    assert [(a.number, a.issue, a.accepted, a.answer) for a in answered] == [
        ("1", "[critical] writer: warmer", True, "warmer now"),
        ("2", "[major] x", False, "it stays"),
    ]
