"""The studio's memory page: the shared memory searched and listed with each record's provenance, filtered, as text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

import factories as f
from graphs.runs import Runs
from studio_client import studio_client
from waiting import at_pitch_gate

PROVENANCE = ("kind", "role", "run", "artifact", "version", "round", "episode", "status", "when")


class Records(HTMLParser):
    """The records a memory page shows: each `data-field` of its provenance, and its text."""

    def __init__(self, html: str):
        super().__init__()
        self.records: list[dict[str, str]] = []
        self._field: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("data-testid") == "record":
            self.records.append({})
        elif self.records and (attrs.get("data-field") or attrs.get("data-testid") == "record-text"):
            self._field = attrs.get("data-field") or "text"
            self.records[-1][self._field] = ""

    def handle_endtag(self, tag):
        if tag in ("dd", "div"):
            self._field = None

    def handle_data(self, data):
        if self._field:
            self.records[-1][self._field] += data if self._field == "text" else data.strip()


@pytest.fixture
def studio(script, make_ctx):
    runs, run_id = at_pitch_gate(script, make_ctx())
    client, _ = studio_client(runs)
    return client, run_id


def shown(client, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    return Records(response.text).records


def test_without_a_query_the_newest_records_are_listed_with_their_provenance(studio):
    client, run_id = studio
    records = shown(client, "/memory")
    # the pitch's round: the proposal, two critiques, the room's consensus (newest first)
    assert [r["kind"] for r in records] == ["decision", "critique", "critique", "artifact"]
    for record in records:
        assert set(PROVENANCE) <= record.keys() and record["when"][:2] == "20"
        assert (record["run"], record["artifact"], record["version"], record["round"]) == (run_id, "pitch", "v1", "1")
        assert (record["episode"], record["status"]) == ("series", "proposed")
    assert records[0]["role"] == "room" and records[0]["text"] == "pitch v1: consensus after 1 round(s)"
    assert records[-1]["role"] == "screenwriter" and '"title": "The Heiress Returns"' in records[-1]["text"]


def test_a_search_shows_the_nearest_hits_with_their_provenance(studio):
    client, run_id = studio
    records = shown(client, "/memory?q=an+heiress+thrown+out+returns+as+CEO")
    assert records and all(0 <= float(r["score"]) <= 1 for r in records)
    first = records[0]
    assert (first["kind"], first["role"], first["run"], first["artifact"]) == (
        "artifact",
        "screenwriter",
        run_id,
        "pitch",
    )
    assert (first["version"], first["round"], first["episode"], first["status"]) == ("v1", "1", "series", "proposed")
    assert "Thrown out by her family" in first["text"]


def test_filters_narrow_what_is_shown(studio):
    client, run_id = studio
    critiques = shown(client, "/memory?kind=critique")
    assert sorted(r["role"] for r in critiques) == ["cultural_consultant", "director"]
    assert all(r["kind"] == "critique" for r in critiques)
    searched = shown(client, f"/memory?q=works+for+me&kind=critique&role=director&run={run_id}")
    assert [(r["kind"], r["role"]) for r in searched] == [("critique", "director")]
    assert [r["role"] for r in shown(client, "/memory?role=room")] == ["room"]
    assert shown(client, "/memory?episode=1") == [] and len(shown(client, "/memory?episode=0")) == 4
    assert shown(client, "/memory?q=heiress&status=approved") == []
    page = client.get("/memory?kind=critique").text  # the form keeps the filters chosen
    assert '<option value="critique" selected>' in page


def test_model_text_shows_as_text(script, make_ctx):
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve("<script>alert(1)</script> fine by me"))
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx())
    _, events = runs.start("A disowned heiress returns as a CEO")
    list(events)
    client, _ = studio_client(runs)
    for url in ("/memory", "/memory?q=fine+by+me", "/memory?q=<script>"):
        html = client.get(url).text
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; fine by me" in html
    texts = [r["text"] for r in Records(client.get("/memory").text).records]
    assert any(t.endswith("approve. <script>alert(1)</script> fine by me") for t in texts)  # as written, once read


@pytest.mark.parametrize(
    "query, said",
    [
        ("kind=bogus", "unknown kind 'bogus'"),
        ("role=producer", "unknown role 'producer'"),
        ("status=maybe", "unknown status 'maybe'"),
        ("run=nope", "unknown run 'nope'"),
        ("episode=two", "the episode is a number"),
        ("episode=-1", "the episode is a number"),
        ("q=" + "x" * 501, "a search is at most 500 characters"),
    ],
)
def test_a_bad_filter_is_one_line(studio, query, said):
    client, _ = studio
    response = client.get(f"/memory?{query}")
    assert response.status_code == 400
    assert response.text.startswith(said) and "\n" not in response.text.strip()


def test_a_page_keeps_the_form_with_a_bad_filter(studio):
    client, _ = studio
    response = client.get("/memory?q=the+hook&episode=two", headers={"Accept": "text/html"})
    assert response.status_code == 400
    assert 'data-testid="error">the episode is a number' in response.text
    assert 'value="the hook"' in response.text and 'value="two"' in response.text
