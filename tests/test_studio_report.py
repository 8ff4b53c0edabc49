"""The run's report: `room report RUN`'s self-contained file and the studio's report page."""

from __future__ import annotations

import base64
import io
import re
import warnings

import factories as f
from cli.studio import report
from cli.views import money
from cli_helpers import room
from graphs.room import close_all, read_ledger, summarize_ledger
from graphs.runs import Runs
from studio_client import studio_client
from waiting import waiting_at

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def group(svg: str, gid: str) -> str:
    """The SVG group matplotlib writes for the artist with `gid`."""
    found = re.search(rf'<g id="{gid}">(.*?)</g>', svg, re.S)
    assert found, f"no group {gid} in the arc"
    return found.group(1)


def totals_row(html: str, testid: str) -> list[str]:
    table = re.search(rf'<table class="ledger" data-testid="{testid}">(.*?)</table>', html, re.S).group(1)
    foot = re.search(r"<tfoot>(.*?)</tfoot>", table, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', foot)


def expected_totals(ctx, run_id: str) -> list[str]:
    (t,) = summarize_ledger(read_ledger(ctx, run_id), by=("run_id",)).values()
    cost = money(t["cost"], int(t["unpriced"]))  # "?": the scripted model has no price
    return [f"{t['calls']:,}", f"{t['input_tokens']:,}", f"{t['output_tokens']:,}", f"{t['seconds']:.1f}", cost]


def outline_of(beats: list[list[int]]) -> dict:
    return {
        "episodes": [
            {
                "number": n,
                "title": f"E{n}",
                "hook": "h",
                "cliffhanger": "c",
                "beats": [{"description": f"b{i}", "intensity": x} for i, x in enumerate(intensities)],
            }
            for n, intensities in enumerate(beats, start=1)
        ]
    }


def test_the_arc_has_one_point_per_beat_and_marks_each_hook_and_cliffhanger():
    outline = outline_of([[3], [2, 7], [1, 4, 6, 10]])
    points = report.arc_points(outline)
    assert [(p.episode, p.beat, p.intensity) for p in points] == [
        (1, 1, 3),
        (2, 1, 2),
        (2, 2, 7),
        (3, 1, 1),
        (3, 2, 4),
        (3, 3, 6),
        (3, 4, 10),
    ]
    assert points[0].x == 1 and [p.x for p in points[3:]] == sorted(p.x for p in points[3:])
    assert all(abs(p.x - p.episode) <= 0.35 + 1e-9 for p in points)  # a beat stays within its episode's width
    svg = report.arc_svg(points, "en")
    assert svg.startswith("<svg") and "<?xml" not in svg and "<script" not in svg
    assert group(svg, report.ARC_GID).count("<use ") == 7
    assert group(svg, report.HOOK_GID).count("<use ") == 3  # each episode's first beat
    assert group(svg, report.CLIFF_GID).count("<use ") == 3  # and its last
    assert report.arc_svg([], "en") == ""


def test_the_arc_speaks_chinese_with_the_bundled_font():
    points = report.arc_points(outline_of([[5, 8], [6, 9]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns of a glyph missing from the font
        zh = report.arc_svg(points, "zh")
    assert zh.startswith("<svg") and zh != report.arc_svg(points, "en")
    assert "<text" not in zh  # words are drawn as paths: the file needs no font to open


def test_room_report_writes_one_file_that_opens_offline_and_the_studio_shows_the_same(script, make_ctx, project):
    runs, run_id = waiting_at(script, make_ctx, "final_cut")
    ctx = runs.ctx
    view = runs.view(run_id)
    decisions = view.values["decisions"]
    frames = sorted((ctx.outputs_dir / run_id / "episodes" / "ep01" / "frames").glob("shot_*.png"))
    assert frames and len(decisions) == 4
    duration = view.values["production"]["1"]["produced"]["duration"]

    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/report")
    assert page.status_code == 200
    # the page: each frame by the studio's own URL, which serves it
    urls = re.findall(r'<img src="(/files/[^"]+)"', page.text)
    assert urls == [f"/files/{run_id}/episodes/ep01/frames/{p.name}" for p in frames]
    assert client.get(urls[0]).content == frames[0].read_bytes()
    runs.close()
    close_all()

    done = room(project, "report", run_id)
    assert done.returncode == 0, done.stderr
    path = ctx.outputs_dir / run_id / "report.html"
    assert done.stdout.strip() == str(path)
    html = path.read_text(encoding="utf-8")

    arc = report.arc_points(view.values["artifacts"]["outline"])
    assert len(arc) == sum(len(e["beats"]) for e in view.values["artifacts"]["outline"]["episodes"])
    for doc in (html, page.text):
        for section in ("arc", "ledger", "decisions", "episodes"):
            assert f'data-testid="{section}"' in doc, section
        assert group(doc, report.ARC_GID).count("<use ") == len(arc)
        assert totals_row(doc, "by-role") == totals_row(doc, "by-stage") == expected_totals(ctx, run_id)
        rows = re.findall(r'<tr data-testid="decision">(.*?)</tr>', doc, re.S)
        assert len(rows) == len(decisions)
        for row, d in zip(rows, decisions):
            assert f"<td>{d['id']}</td>" in row and d["at"] in row and d["gate"] in row and d["by"] in row
        assert f">ep01.mp4</a> · {duration:.1f} s" in doc
        assert 'data-testid="arc-flags"' not in doc  # the scripted episode climbs, and speaks at once
    assert view.values["production"]["1"]["produced"]["first_line_at"] <= 3.0

    # the file: frames embedded as small thumbnails, its CSS inlined, nothing fetched from a server or a path
    embedded = re.findall(r'src="data:image/jpeg;base64,([^"]+)"', html)
    assert len(embedded) == len(frames)
    from PIL import Image

    with Image.open(io.BytesIO(base64.b64decode(embedded[0]))) as thumb, Image.open(frames[0]) as frame:
        assert thumb.width == min(report.THUMB_WIDTH, frame.width) and thumb.format == "JPEG"
    assert "/files/" not in html and str(project) not in html and "<script" not in html
    assert not re.search(r'(src|href)="/', html) and "<link" not in html and "<style>" in html
    assert 'href="episodes/ep01/ep01.mp4"' in html  # beside the file: opens offline from outputs/RUN


def test_model_text_in_the_report_is_text(script, make_ctx):
    evil = {**f.pitch(EVIL), "logline": f"{EVIL} a logline"}
    outline = f.outline(1)
    outline["episodes"][0].update(hook=f"{EVIL} hook", cliffhanger=f"{EVIL} end")
    outline["episodes"][0]["beats"][0]["description"] = EVIL
    script.enqueue("screenwriter", evil, f.bible(), outline)
    script.enqueue("cultural_consultant", *[f.approve()] * 3)
    script.enqueue("director", *[f.approve()] * 2)
    script.enqueue("art_director", f.approve())
    script.enqueue("editor", f.approve())
    runs = Runs(make_ctx(auto_approve=("pitch", "bible"), episodes=1, round_limit=1))
    run_id, events = runs.start(f"{EVIL} premise")
    list(events)
    assert runs.view(run_id).waiting["gate"] == "outline"
    script.enqueue("screenwriter", f.revision(outline))
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    script.enqueue("editor", f.approve())
    list(runs.answer(run_id, "reject", note=f"{EVIL} my note"))
    view = runs.view(run_id)
    assert view.values["decisions"][-1]["note"] == f"{EVIL} my note"

    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/report").text
    standalone = report.write_report(runs.ctx, view).read_text(encoding="utf-8")
    for doc in (page, standalone):
        assert "<script>alert" not in doc
        for text in ("premise", "a logline", "hook", "end", "my note"):
            assert f"{ESCAPED} {text}" in doc, text
        assert f"{ESCAPED}</li>" in doc  # the beat
        flags = re.search(r'<ul class="flags" data-testid="arc-flags"[^>]*>(.*?)</ul>', doc, re.S).group(1)
        assert flags == (
            "<li>episode 1&#39;s cliffhanger opens no question</li><li>nothing is at stake in episode 1&#39;s hook</li>"
        )
        assert f"<h1>{ESCAPED}" in doc  # the title


def test_an_episodes_arc_flags_are_the_directors_findings_and_a_late_first_line():
    episode = outline_of([[8, 8, 8]])["episodes"][0]
    assert report.arc_flags(episode, {}, "en") == [
        "episode 1's arc is flat: every beat is at intensity 8–8",
        "episode 1's cliffhanger opens no question",
        "nothing is at stake in episode 1's hook",
    ]
    climbing = {**f.outline(1)["episodes"][0]}
    assert report.arc_flags(climbing, {"video": "ep01.mp4", "first_line_at": 0.4}, "en") == []
    assert report.arc_flags(climbing, {"video": "ep01.mp4", "first_line_at": 4.2}, "zh") == ["前 3 秒没有一句台词"]
    assert report.arc_flags({}, {"video": "ep02.mp4", "first_line_at": 1.0}, "en") == []  # beyond the outline


def test_chinese_project_reports_in_chinese(script, make_ctx):
    runs, run_id = waiting_at(script, make_ctx, "outline", lang="zh")
    client, _ = studio_client(runs)
    page = client.get(f"/runs/{run_id}/report")
    assert page.status_code == 200
    assert "情绪曲线" in page.text and "用量账本" in page.text and "决策记录" in page.text
    assert '<html lang="zh-CN">' in page.text


def test_an_unknown_run_is_one_line_and_exit_5(project):
    done = room(project, "report", "nope")
    assert done.returncode == 5
    assert done.stderr.strip().count("\n") == 0 and "no run 'nope'" in done.stderr
    assert not (project / "outputs" / "nope").exists()


def test_the_studio_says_an_unknown_run_in_one_line(script, make_ctx):
    client, _ = studio_client(Runs(make_ctx()))
    answer = client.get("/runs/nope/report")
    assert answer.status_code == 404 and "no run 'nope'" in answer.text and "Traceback" not in answer.text


def test_an_episodes_frames_are_its_own_files_in_shot_order(tmp_path):
    root = tmp_path / "outputs" / "run1"
    frames = root / "episodes" / "ep02" / "frames"
    frames.mkdir(parents=True)
    for name in ("shot_010.png", "shot_002.png", "notes.txt", "shot_001.png.partial"):
        (frames / name).write_bytes(b"x")
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"secret")
    (frames / "shot_003.png").symlink_to(secret)
    assert report.episode_frames(root, 2) == ["episodes/ep02/frames/shot_002.png", "episodes/ep02/frames/shot_010.png"]
    assert report.episode_frames(root, 1) == []
    (root / "episodes" / "ep03").symlink_to(tmp_path, target_is_directory=True)  # a folder that leads out
    (tmp_path / "frames").mkdir()
    (tmp_path / "frames" / "shot_001.png").write_bytes(b"x")
    assert report.episode_frames(root, 3) == []
