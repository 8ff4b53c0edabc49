"""The studio's door: the token, cross-site POSTs, files from the run's folder only, model text as text."""

from __future__ import annotations

import json
import os

import pytest

from cli.studio.security import COOKIE
from studio_client import CSRF, TOKEN, post, settle, studio_client
from waiting import at_pitch_gate


@pytest.fixture
def waiting_studio(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    client, control = studio_client(runs)
    return client, control, run_id


def test_every_page_needs_the_token(waiting_studio):
    client, _, run_id = waiting_studio
    client.cookies.clear()
    for url in ("/", f"/runs/{run_id}", f"/runs/{run_id}/events", "/static/studio.js", f"/files/{run_id}/x"):
        assert client.get(url).status_code == 401, url
    client.cookies.set(COOKIE, "wrong")
    assert client.get("/").status_code == 401
    client.cookies.clear()
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_the_first_visit_keeps_the_token_in_a_cookie_and_drops_it_from_the_address(waiting_studio):
    client, _, run_id = waiting_studio
    client.cookies.clear()
    first = client.get(f"/runs/{run_id}?token={TOKEN}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == f"/runs/{run_id}"
    cookie = first.headers["set-cookie"]
    assert f"{COOKIE}={TOKEN}" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert client.get(f"/runs/{run_id}").status_code == 200


def test_a_post_without_the_pages_csrf_token_or_from_another_site_is_refused(waiting_studio):
    client, control, run_id = waiting_studio
    url = f"/runs/{run_id}/resume"
    assert client.post(url, data={}, follow_redirects=False).status_code == 403
    assert client.post(url, data={"csrf": "guess"}, follow_redirects=False).status_code == 403
    evil = {"Origin": "http://evil.example"}
    assert post(client, url, headers=evil).status_code == 403
    assert client.post(url, headers={"X-CSRF-Token": CSRF, **evil}).status_code == 403
    assert not control.busy(run_id)
    # from the studio's own page it goes through (and is refused by the run: it waits at a gate)
    assert post(client, url, headers={"Origin": "http://127.0.0.1:8765"}).status_code == 409


@pytest.mark.parametrize(
    "path",
    ["../checkpoints.sqlite", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "/etc/passwd", "C:%5Cwin.ini", "", "."],
)
def test_files_come_only_from_the_runs_own_folder(waiting_studio, path):
    client, control, run_id = waiting_studio
    assert client.get(f"/files/{run_id}/{path}").status_code == 404
    assert client.get(f"/files/..%2F.room/{path or 'x'}").status_code == 404


def test_a_link_out_of_the_runs_folder_is_not_followed(waiting_studio, tmp_path):
    client, control, run_id = waiting_studio
    folder = control.ctx.outputs_dir / run_id
    folder.mkdir(parents=True, exist_ok=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    os.symlink(secret, folder / "out.txt")
    (folder / "in.txt").write_text("inside")
    assert client.get(f"/files/{run_id}/out.txt").status_code == 404
    assert client.get(f"/files/{run_id}/in.txt").text == "inside"


def test_model_and_premise_text_show_as_text(script, make_ctx):
    from graphs.runs import Runs
    from waiting import PITCH_ROUND, enqueue

    enqueue(script, PITCH_ROUND)
    runs = Runs(make_ctx())
    run_id, events = runs.start("<img src=x onerror=alert(1)> premise")
    list(events)
    client, _ = studio_client(runs)
    for url in ("/", f"/runs/{run_id}"):
        html = client.get(url).text
        assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_a_run_started_in_the_studio_is_driven_and_its_events_pushed(script, make_ctx):
    from factories import approve, pitch
    from graphs.runs import Runs

    script.enqueue("screenwriter", pitch())
    script.enqueue("cultural_consultant", approve())
    script.enqueue("director", approve())
    client, control = studio_client(Runs(make_ctx()))
    started = post(client, "/runs", {"premise": "A lighthouse keeper's daughter", "lang": "en", "episodes": "2"})
    assert started.status_code == 303
    run_id = started.headers["location"].rsplit("/", 1)[1]
    settle(control, run_id)
    pushed = []
    with client.stream("GET", f"/runs/{run_id}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                pushed.append(json.loads(line[5:]))
                if pushed[-1]["type"] == "done":
                    break
    kinds = [e["type"] for e in pushed]
    assert kinds[0] == "working" and "speak" in kinds and "verdict" in kinds
    assert pushed[-1] == {"type": "done", "state": "waiting", "gate": "pitch"}
    with client.stream("GET", f"/runs/{run_id}/events", headers={"Last-Event-ID": str(len(pushed) - 1)}) as stream:
        again = next(json.loads(line[5:]) for line in stream.iter_lines() if line.startswith("data:"))
    assert again == pushed[-1]  # a page that reconnects gets only what it missed
    assert control.runs.view(run_id).waiting["gate"] == "pitch"
    assert "A lighthouse keeper" in client.get("/").text


def test_a_bad_start_is_one_line_and_starts_nothing(script, make_ctx):
    from graphs.runs import Runs

    client, control = studio_client(Runs(make_ctx()))
    reply = post(client, "/runs", {"premise": "   ", "lang": "en", "episodes": "1"})
    assert reply.status_code == 400 and "premise is empty" in reply.text
    assert post(client, "/runs", {"premise": "x", "auto": "everything"}).status_code == 400
    assert control.runs.run_ids() == []


def test_a_malformed_field_is_one_line_not_a_json_error(waiting_studio):
    client, control, run_id = waiting_studio
    reply = post(client, "/runs", {"premise": "a premise", "episodes": "many"})
    assert reply.status_code == 400 and reply.text.count("\n") == 0 and "episodes" in reply.text
    assert not reply.headers["content-type"].startswith("application/json")
    assert control.runs.run_ids() == [run_id]  # nothing started


def test_the_bundled_cjk_font_is_served_for_a_browser_without_one(waiting_studio):
    import io

    from fontTools.ttLib import TTFont

    client, _, _ = waiting_studio
    reply = client.get("/fonts/cjk.ttf")
    assert reply.status_code == 200 and reply.headers["content-type"] == "font/ttf"
    font = TTFont(io.BytesIO(reply.content))
    assert ord("寻") in font.getBestCmap() and ord("A") in font.getBestCmap()
    assert "/fonts/cjk.ttf" in client.get("/static/studio.css").text


def test_a_run_started_in_the_studio_on_a_model_of_its_own_keeps_it(script, make_ctx, monkeypatch):
    from agents import models
    from graphs.runs import Runs
    from waiting import PITCH_ROUND, enqueue

    client, control = studio_client(Runs(make_ctx()))
    refused = post(client, "/runs", {"premise": "A parrot witness", "model": "no-such-model"})
    assert refused.status_code == 400 and "provider:model" in refused.text and control.runs.run_ids() == []
    monkeypatch.setattr(models, "check_spec", lambda spec, base_url=None: None)
    enqueue(script, PITCH_ROUND)
    started = post(client, "/runs", {"premise": "A parrot witness", "model": "scripted:*"})
    run_id = started.headers["location"].rsplit("/", 1)[1]
    settle(control, run_id)
    assert control.runs.view(run_id).values["models"] == {"model": "scripted:*", "role_models": {}}
