"""The studio in headless Chromium: what a writer does at night, on the scripted model, end to end."""

from __future__ import annotations

import pytest

from browser import TOKEN, chromium_path, studio_server

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chromium():
    path = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def studio(project):
    with studio_server(project) as url:
        yield url


@pytest.fixture
def page(chromium, studio):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(f"{studio}/?token={TOKEN}")
    yield tab
    context.close()


def start_run(page, premise: str, *, auto: tuple[str, ...] = (), episodes: int = 1) -> str:
    """Start a run from the runs page's form; the run's page is open after."""
    form = page.get_by_test_id("new-run")
    form.locator("textarea[name=premise]").fill(premise)
    form.locator("input[name=episodes]").fill(str(episodes))
    for gate in auto:
        form.locator(f"input[name=auto][value={gate}]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/runs/*")
    return page.url.rsplit("/", 1)[1]


def test_a_run_started_in_the_page_shows_its_events_live_and_stops_at_its_gate(page):
    assert page.url.endswith("/")  # the token left the address bar
    run_id = start_run(page, "A night-shift nurse finds the hospital's new owner is her twin <b>sister</b>")
    log = page.get_by_test_id("log")
    log.locator("li.speak").first.wait_for(timeout=60_000)  # pushed while the room works
    page.get_by_test_id("waiting").get_by_text("pitch").wait_for(timeout=120_000)  # redrawn when the drive ends
    assert "<b>sister</b>" in page.get_by_test_id("premise").inner_text()  # the premise as text, not markup
    page.goto(page.url.rsplit("/runs", 1)[0] + "/")
    row = page.locator(f"tr[data-run='{run_id}']")
    assert "pitch" in row.inner_text()


def test_memory_search_and_chat_in_the_page(page):
    base = page.url.rstrip("/")
    run_id = start_run(page, "A retired detective's parrot is the only witness to a murder")
    page.get_by_test_id("waiting").get_by_text("pitch").wait_for(timeout=120_000)

    page.goto(f"{base}/memory")
    page.get_by_test_id("query").fill("pitch")
    page.get_by_test_id("filter-run").select_option(run_id)
    page.get_by_test_id("memory-search").locator("button[type=submit]").click()
    records = page.get_by_test_id("record")
    records.first.wait_for()
    assert records.count() >= 1 and all(run_id in records.nth(i).inner_text() for i in range(records.count()))
    page.get_by_test_id("filter-kind").select_option("critique")
    page.get_by_test_id("memory-search").locator("button[type=submit]").click()
    page.wait_for_url("**kind=critique**")
    kinds = page.locator("[data-testid=record]").evaluate_all("rows => rows.map(r => r.dataset.kind)")
    assert kinds and set(kinds) == {"critique"}

    page.goto(f"{base}/runs/{run_id}/chat")
    page.get_by_test_id("chat-line").fill("@director is the hook strong enough?")
    page.get_by_test_id("chat-send").click()
    answer = page.locator("[data-testid=turns] .turn .answer .text").last
    page.wait_for_function(
        "() => { const t = document.querySelectorAll('[data-testid=turns] .turn .answer .text');"
        " return t.length && t[t.length - 1].textContent.trim().length > 0 }",
        timeout=60_000,
    )
    assert answer.inner_text().strip()
    who = page.locator("[data-testid=turns] .turn .answer .who").last.inner_text()
    assert "director" in who.lower() or "导演" in who


def wait_for_gate(page, gate: str, timeout: float = 180_000) -> None:
    """The run page, redrawn when the run's drive ends, names the gate it waits at."""
    page.get_by_test_id("waiting").get_by_text(gate).wait_for(timeout=timeout)


def test_a_gate_answered_in_the_page_reject_with_a_note_then_an_invalid_and_a_valid_edit(page):
    base = page.url.rstrip("/")
    run_id = start_run(page, "二十年后，被拐的儿子成了寻亲节目的主持人")
    wait_for_gate(page, "pitch")
    page.get_by_test_id("waiting").locator("a").click()
    page.wait_for_url(f"**/runs/{run_id}/gate")
    assert page.get_by_test_id("document").inner_text().strip()

    page.get_by_test_id("reject").click()  # no note: refused on the page, nothing sent
    assert page.get_by_test_id("reject-error").is_visible()
    page.get_by_test_id("note").fill("make the host a woman who hides her own past")
    page.get_by_test_id("reject").click()
    page.wait_for_url(f"**/runs/{run_id}")
    page.get_by_test_id("waiting").get_by_text("v2").wait_for(timeout=180_000)  # the revision answers the note

    page.goto(f"{base}/runs/{run_id}/gate")
    assert page.get_by_test_id("version-1").is_visible() and page.get_by_test_id("version-2").is_visible()
    assert "make the host a woman" in page.get_by_test_id("negotiation").inner_text()
    assert "(revised)" in page.get_by_test_id("diff").inner_text()  # v1 → v2, as the note asked

    page.locator("details:has([data-testid=content]) > summary").click()  # the edit form opens
    content = page.get_by_test_id("content")
    good = content.input_value()
    content.fill("logline: [unclosed")
    page.get_by_test_id("edit").click()
    assert page.get_by_test_id("edit-error").is_visible()
    assert page.get_by_test_id("content").input_value() == "logline: [unclosed"  # what was typed is kept
    page.get_by_test_id("content").fill(good)
    page.get_by_test_id("edit").click()
    page.wait_for_url(f"**/runs/{run_id}")
    wait_for_gate(page, "bible")
    assert "pitch v3" in page.locator("dl.facts").inner_text()  # the person's version, approved

    page.goto(f"{base}/runs/{run_id}/gate")
    page.get_by_test_id("approve").click()
    page.wait_for_url(f"**/runs/{run_id}")
    wait_for_gate(page, "outline")
    assert "bible v1" in page.locator("dl.facts").inner_text()


def test_an_episode_plays_in_the_page_and_its_final_cut_is_approved_there(page, project):
    import av

    base = page.url.rstrip("/")
    run_id = start_run(page, "A night-market cook is courted by a ghost", auto=("pitch", "bible", "outline", "script"))
    wait_for_gate(page, "final_cut", timeout=400_000)
    page.goto(f"{base}/runs/{run_id}/episodes/1")
    video = page.get_by_test_id("video")
    page.wait_for_function("v => v.readyState >= 1 && v.duration > 0", arg=video.element_handle(), timeout=30_000)
    shown = video.evaluate("v => v.duration")
    mp4 = next((project / "outputs" / run_id / "episodes" / "ep01").glob("*.mp4"))
    with av.open(str(mp4)) as container:
        duration = container.duration / av.time_base
    assert abs(shown - duration) < 0.3, (shown, duration)
    frames = page.get_by_test_id("frame")
    assert frames.count() >= 1
    assert all(frames.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(frames.count()))

    page.get_by_test_id("final-cut").get_by_test_id("approve").click()
    page.wait_for_url(f"**/runs/{run_id}")
    page.locator(".badge.finished").wait_for(timeout=120_000)

    page.goto(f"{base}/runs/{run_id}/report")
    assert page.locator("svg").count() >= 1  # the arc
    assert "spent" in page.get_by_test_id("spent").inner_text()
    assert page.get_by_test_id("decisions").locator("tr").count() >= 5  # every gate's answer, the final cut's too
