"""Personal data never reaches a remote model: the finder, the round trip, the boundary, and a whole run on the wire.

The finder is checked on a planted list (tests/data/personal_data.json, the
same `bench/redaction.py` measures); the whole-run test drives a run, a
rejected pitch with a note and a chat question through the real openai
client to the recording test server, treated as remote (`redact = "always"`:
a loopback URL may be a tunnel), and looks for every planted item in every
request body it received.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from langchain_core.messages import HumanMessage, SystemMessage

import factories as f
from agents.models import RoomModel
from agents.screenwriter import Pitch
from agents.structured import ask_structured, stream_text
from fault_server import FaultServer
from graphs.chat import Conversation
from graphs.context import load_context
from graphs.room import Room, close_all, project_memory
from graphs.runs import Runs
from scripted import ScriptedChatModel
from tools.errors import ConfigError
from tools.redaction import PLACEHOLDER, Redactor, find_personal_data, marked_names, strip_marks, valid_cn_id

CORPUS = json.loads((Path(__file__).parent / "data" / "personal_data.json").read_text(encoding="utf-8"))
NAMES = CORPUS["names"]


# ── the finder ───────────────────────────────────────────────────────────


@pytest.mark.parametrize("case", CORPUS["positives"], ids=lambda case: case["text"][:40])
def test_the_finder_takes_each_planted_item_whole(case):
    found = [[item.kind, item.value] for item in find_personal_data(case["text"], NAMES)]
    assert found == case["found"]


@pytest.mark.parametrize("text", CORPUS["negatives"], ids=lambda text: text[:40])
def test_the_finder_leaves_years_episodes_prices_and_other_numbers(text):
    assert find_personal_data(text, NAMES) == []


def test_an_id_number_is_one_only_with_its_check_digit_and_a_real_birth_date():
    assert valid_cn_id("11010519491231002X") and valid_cn_id("11010519491231002x")
    assert valid_cn_id("440304198507161234")
    assert not valid_cn_id("440304198507161235")  # one digit off: the check digit no longer fits
    assert not valid_cn_id("123456789012345678")
    assert not valid_cn_id("44030419851316123X")  # month 13
    for digit in "0123456789":  # of the eleven check characters, one fits each 17 digits
        assert sum(valid_cn_id(f"4403041985071612{digit}{check}") for check in "0123456789X") == 1


def test_the_bundled_prompts_hold_nothing_the_finder_takes():
    """The system prompts and few-shot examples go with every request: nothing in them is mistaken for data."""
    prompts = sorted((Path(__file__).resolve().parent.parent / "agents").rglob("*.yaml"))
    assert prompts
    found = [(p.name, item.value) for p in prompts for item in find_personal_data(p.read_text(encoding="utf-8"))]
    assert found == []


# ── placeholders: stable, restored exactly, never the marks ──────────────


def test_a_value_keeps_its_placeholder_across_texts_and_marks_teach_names():
    redactor = Redactor(["王芳"])
    first = redactor.redact("[[Li Wei]] calls 13812345678; 王芳 answers.")
    second = redactor.redact("Li Wei hangs up. 13812345678 rings again.")
    assert first == "⟦NAME_1⟧ calls ⟦PHONE_1⟧; ⟦NAME_2⟧ answers."
    assert second == "⟦NAME_1⟧ hangs up. ⟦PHONE_1⟧ rings again."
    assert redactor.restore(first) == "Li Wei calls 13812345678; 王芳 answers."
    assert redactor.restore("⟦PHONE_9⟧ stays, ⟦NAME_1⟧ is back") == "⟦PHONE_9⟧ stays, Li Wei is back"


def test_a_restored_value_can_be_escaped_for_the_json_it_goes_into():
    redactor = Redactor(['Lee "the Knife" Wong'])
    sent = redactor.redact('Lee "the Knife" Wong')
    reply = json.dumps({"logline": f"{sent} returns"}, ensure_ascii=False)
    back = redactor.restore(reply, lambda v: json.dumps(v, ensure_ascii=False)[1:-1])
    assert json.loads(back) == {"logline": 'Lee "the Knife" Wong returns'}


def test_a_streamed_answer_is_restored_wherever_the_chunks_cut_a_placeholder():
    redactor = Redactor()
    sent = redactor.redact("Call 13812345678 or write to a@b.co today.")
    for cut in range(1, len(sent)):
        chunks = [sent[i : i + cut] for i in range(0, len(sent), cut)]
        assert "".join(redactor.restore_stream(chunks)) == "Call 13812345678 or write to a@b.co today."


def test_marked_names_are_read_from_a_runs_state():
    state = {"premise": "[[Li Wei]] returns", "notes": {"pitch": ["make [[ 陈晓东 ]] her lawyer"]}, "episode": 2}
    assert marked_names(state) == {"Li Wei", "陈晓东"}
    assert (
        strip_marks("[[Li Wei]] and [[ 陈晓东 ]] and [[Mary-Jane O'Neil]]") == "Li Wei and 陈晓东 and Mary-Jane O'Neil"
    )
    nested = json.dumps({"pairs": [["Lin Xia", "CEO"]], "grid": [[1, 2]]})  # JSON's nested lists are not marks
    assert strip_marks(nested) == nested and marked_names(nested) == set()


PIECES = st.sampled_from(
    [
        *[item[1] for case in CORPUS["positives"] for item in case["found"]],
        "⟦PHONE_1⟧",
        "⟦NAME_2⟧",
        "⟦",
        "⟧",
        "_1",
        "[[",
        "]]",
        "[[Li Wei]]",
        "[[⟦NAME_1⟧]]",
        "2024",
        "-",
        " ",
        "号",
        "路",
        "+",
        "@",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), PIECES), max_size=12))
def test_redact_then_restore_gives_back_the_text_without_its_marks(parts):
    text = "".join(parts)
    redactor = Redactor(NAMES)
    sent = redactor.redact(text)
    assert redactor.restore(sent) == strip_marks(text)
    assert redactor.restore(redactor.redact(text)) == strip_marks(text)  # a second pass, with the map filled


# ── the boundary: every request a remote model gets, every answer it gives ─


def echo(messages) -> dict:
    """A model that repeats the placeholders it was sent in its pitch, as a model keeps them."""
    said = " ".join(m.group() for m in PLACEHOLDER.finditer(messages[-1].content))
    return {**f.pitch(), "logline": f"{said} comes back.", "hook": said or "nothing"}


def scripted(script, role: str = "screenwriter", redactor: Redactor | None = None) -> RoomModel:
    return RoomModel(chat=ScriptedChatModel(script=script, role=role), spec=f"scripted:{role}", redactor=redactor)


PREMISE = "[[Li Wei]] (13812345678, li.wei@example.com) lives at 北京市朝阳区建国路88号, ID 11010519491231002X."
PLANTED = ["Li Wei", "13812345678", "li.wei@example.com", "北京市朝阳区建国路88号", "11010519491231002X"]


def test_a_remote_model_gets_placeholders_and_the_artifact_gets_the_values(script):
    script.enqueue("screenwriter", echo)
    model = scripted(script, redactor=Redactor())
    pitch = ask_structured(model, [SystemMessage("Pitch it."), HumanMessage(PREMISE)], Pitch)
    sent = json.dumps([m.content for m in script.calls[0]["messages"]], ensure_ascii=False)
    assert [item for item in PLANTED if item in sent] == [] and "[[" not in sent
    assert "⟦PHONE_1⟧" in sent and "⟦NAME_1⟧" in sent
    assert all(item in pitch.logline for item in PLANTED)  # the echo came back with the real values
    assert "⟦" not in pitch.model_dump_json()


def test_a_local_model_gets_the_text_without_the_marks(script):
    script.enqueue("screenwriter", echo)
    ask_structured(scripted(script), [HumanMessage(PREMISE)], Pitch)
    assert script.calls[0]["messages"][-1].content == strip_marks(PREMISE)


def test_a_streamed_chat_answer_is_restored(script):
    script.enqueue("screenwriter", lambda messages: f"Call {PLACEHOLDER.search(messages[-1].content).group()} now.")
    model = scripted(script, redactor=Redactor())
    answer = "".join(stream_text(model, [HumanMessage("Should I ring 13812345678?")]))
    assert answer == "Call 13812345678 now."
    assert "13812345678" not in script.calls[0]["messages"][-1].content


def test_the_room_redacts_for_a_remote_model_only(script, make_ctx):
    remote = Room.for_run(make_ctx(redact="always"), {"premise": "[[Li Wei]] returns"})
    assert remote.model("screenwriter").redactor is not None
    assert "Li Wei" not in remote.model("screenwriter").redactor.redact("Li Wei, unmarked, in an artifact")
    assert Room(make_ctx()).model("screenwriter").redactor is None  # scripted:* is no server off this machine


def test_redact_and_private_names_are_settings(project):
    ctx = load_context(project, {"redact": "always"}, env={"ROOM_PRIVATE_NAMES": "Li Wei, 王芳"})
    assert ctx.private_names == ("Li Wei", "王芳") and ctx.redacts_chat("openai:gpt-4.1-mini")
    assert not ctx.redacts_chat("embedded:gemma3-270m") and not ctx.redacts_embeddings()  # nothing leaves
    local = load_context(project, {"model": "ollama:qwen3"}, env={})
    assert not local.redacts_chat(local.model)
    remote = load_context(project, {"model": "deepseek:deepseek-chat"}, env={})
    assert remote.redacts_chat(remote.model)
    (project / "room.toml").write_text('[room]\nredact = "sometimes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="redact: Input should be 'remote' or 'always'"):
        load_context(project, env={})
    (project / "room.toml").write_text('[room]\nprivate_names = ["Li Wei", "王芳"]\n', encoding="utf-8")
    assert load_context(project, env={}).private_names == ("Li Wei", "王芳")


# ── the whole run on the wire ────────────────────────────────────────────


RUN_PREMISE = (
    "[[Li Wei]], ID 11010519491231002X, phone 13812345678, e-mail li.wei@example.com, grew up at "
    "北京市朝阳区建国路88号 and returns as the CEO who owns her family's firm"
)
NOTE = "Make [[Zhang San]] her lawyer: zs@lawfirm.cn, office 021-55556666, 9 Elm Street"
QUESTION = "Should [[Li Wei]] call Zhang San on 13912345678 first?"
RUN_PLANTED = [
    "Li Wei",
    "11010519491231002X",
    "13812345678",
    "li.wei@example.com",
    "北京市朝阳区建国路88号",
    "Zhang San",
    "zs@lawfirm.cn",
    "021-55556666",
    "9 Elm Street",
    "13912345678",
]
ECHO_PITCH = {
    **f.pitch(),
    "logline": "⟦NAME_1⟧ (⟦PHONE_1⟧, ⟦EMAIL_1⟧) leaves ⟦ADDRESS_1⟧ and returns as CEO.",
    "hook": "⟦NAME_1⟧ shows the board card ⟦ID_1⟧.",
}
ECHO_REVISED = {**ECHO_PITCH, "hook": "⟦NAME_2⟧ of ⟦ADDRESS_2⟧ (⟦EMAIL_2⟧, ⟦PHONE_2⟧) walks in beside ⟦NAME_1⟧."}


@pytest.fixture(scope="module")
def server():
    s = FaultServer()
    yield s
    s.close()


def bodies(log: list[dict]) -> list[tuple[str, str]]:
    """Each request body the server received (schema, text): as sent, and again with its JSON decoded."""
    return [
        (e["schema"], e["body"] + "\n" + json.dumps(json.loads(e["body"] or "{}"), ensure_ascii=False)) for e in log
    ]


def reached(log: list[dict]) -> list[tuple[str, str]]:
    """Every planted item found in a request body the server received."""
    return [(schema, item) for schema, body in bodies(log) for item in RUN_PLANTED if item in body]


def whole_run(project: Path, server: FaultServer, redact: str) -> tuple[Runs, str, dict, str, list[dict]]:
    """A run on the server as a remote model (OPENAI_API_KEY set): its pitch, rejected with a note and made
    again, a chat question, then (as `room approve` in a new process: the placeholders' map is gone, the marks in
    the run's state are not) the pitch approved and the bible made; the runs, the run, its first pitch, the chat
    answer and what the server got."""
    ctx = load_context(
        project,
        {
            "model": "openai:test",
            "base_url": server.base_url,
            "redact": redact,
            "produce": False,
            "embeddings": "openai:test",
            "embeddings_base_url": server.base_url,
        },
        env={},
    )
    server.plan(
        {
            "Pitch": [ECHO_PITCH],
            "PitchRevision": [f.revision(ECHO_REVISED)],
            "Critique": [f.approve()],
            "Bible": [f.bible()],
            "text": ["Yes: ⟦NAME_1⟧ first."],
        }
    )
    runs = Runs(ctx)
    run_id, events = runs.start(RUN_PREMISE)
    list(events)
    first = runs.view(run_id).values["artifacts"]["pitch"]
    list(runs.answer(run_id, "reject", note=NOTE))
    answer = "".join(Conversation(runs, run_id).answer("screenwriter", QUESTION))
    close_all()
    list(runs.answer(run_id, "approve"))
    assert runs.view(run_id).waiting["gate"] == "bible"
    return runs, run_id, first, answer, server.log()


def test_no_planted_item_reaches_a_remote_server_in_a_whole_run(project, server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    runs, run_id, pitch, answer, log = whole_run(project, server, "always")
    assert pitch["logline"] == (
        "Li Wei (13812345678, li.wei@example.com) leaves 北京市朝阳区建国路88号 and returns as CEO."
    )
    assert pitch["hook"] == "Li Wei shows the board card 11010519491231002X."
    revised = runs.view(run_id).values["artifacts"]["pitch"]
    assert revised["hook"] == "Zhang San of 9 Elm Street (zs@lawfirm.cn, 021-55556666) walks in beside Li Wei."
    assert answer == "Yes: Li Wei first."
    kinds = {entry["schema"] for entry in log}
    assert {"Pitch", "PitchRevision", "Critique", "Bible", "text", "embeddings"} <= kinds  # chat, stream, embedder
    bible = "".join(body for schema, body in bodies(log) if schema == "Bible")
    assert "walks in beside ⟦NAME_" in bible  # the pitch went with the bible's request, the names hidden
    assert "PitchRevision" in kinds  # the pitch again, with the note
    assert "⟦NAME_2⟧" in "".join(body for _, body in bodies(log))  # the note's name went as a placeholder
    assert reached(log) == []
    remembered = " ".join(record.text for record in project_memory(runs.ctx).list(run_id=run_id))
    assert "Li Wei" in remembered and "⟦" not in remembered  # memory holds the writer's values


def test_the_cli_says_which_models_get_placeholders(project, monkeypatch):
    from rich.console import Console

    from cli import app

    shown = Console(record=True, width=200)
    monkeypatch.setattr(app, "console", shown)
    monkeypatch.setenv("DEEPSEEK_API_KEY", "sk-test")
    app.announce_models(load_context(project, {"model": "deepseek:deepseek-chat"}, env={}))
    assert "personal data goes as placeholders to: deepseek:deepseek-chat" in shown.export_text()
    app.announce_models(load_context(project, {"model": "ollama:qwen3"}, env={}))
    assert shown.export_text().count("placeholders") == 0  # export_text clears: the local model gets none
