"""Whatever schema-valid artifacts the models write, production makes an episode, and writes only inside the project.

Bibles, scripts, shot lists and art directions are drawn from the pydantic
models' own JSON schemas (hypothesis-jsonschema), then given what models
really write there: names that are sentences or misspellings, shot ids that
are paths or shell, shots of scenes and lines that do not exist, duplicate
ids, long unicode text, in English and Chinese. The cheap properties run the
resolving functions alone, many times; the pipeline property drives
`cast_episode` + `produce_episode` to the MP4, SRT, OTIO and Fountain each
time, on the room's `tiny` render (72x128 at 4 fps, frames included) with
espeak voices, and reads every file back with a reader that did not write it.
"""

from __future__ import annotations

import copy
import functools
import itertools
import os
from pathlib import Path

import opentimelineio as otio
import pytest
import srt
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis_jsonschema import from_schema

from agents.art_director import ArtDirection, VisualSheet, direction_for
from agents.director import ShotList
from agents.production.fitting import SHOT_ID_CHARS, episode_as_cast
from agents.production.frames import fallback_sheet, settle_sheets
from agents.roles import ARTIFACTS
from agents.screenwriter import Bible, EpisodeScript, Pitch
from agents.speakers import BIT_PART_CHARS, bit_part, cast_name, character_names
from tools.errors import OutputError
from tools.files import inside

PATHS = ["/tmp/zz", "/zz", "../../x", "../../zz", "..", ".", "~", "a/b", "C:\\x", "\\\\srv\\x", "x\x00y"]
SHELL = ["a;b|c", "$(touch", "`id`", "&&rm", "> out", "'\"", "$HOME"]
DEVICES = ["CON", "NUL", "aux.txt", "COM1", "LPT1"]
BLANK = ["", " ", "\t\n", "\u3000", "\u200b", "..."]
NASTY = PATHS + SHELL + DEVICES + BLANK
SENTENCES = [
    "She told Mark she can only have sex with him.",
    "他说：我永远不会原谅你，哪怕你跪下来求我也没有用。",
    "THE MAN WHO — (whispering) — KNEW TOO MUCH, AND HIS DOG",
    "ﷺ 𝕄𝕒𝕣𝕜 👩‍👩‍👧 Ω≈ç√ 林晚晴\u202eevil",
    "长" * 500,
    "Claire Dunn, " * 40,
]


def capped(schema: dict, items: int, chars: int) -> dict:
    """`schema` with every array at most `items` long and every string at most `chars`: still the model's
    schema (a subset of what it allows), small enough to render many times."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "array":
                node["maxItems"] = min(node.get("maxItems", items), items)
            if node.get("type") == "string" and "enum" not in node and "pattern" not in node:
                node["maxLength"] = min(node.get("maxLength", chars), chars)
            if "properties" in node:
                node["additionalProperties"] = False  # the models ignore other keys: drawing them is wasted time
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


@functools.cache
def drawn_as(model, items: int, chars: int) -> st.SearchStrategy[dict]:
    """Instances of `model`'s JSON schema, `capped`; built once (turning a schema into a strategy is slow)."""
    return from_schema(capped(model.model_json_schema(), items, chars))


def _text(limit: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(codec="utf-8"), max_size=limit)


JUNK_NAMES = st.one_of(st.sampled_from(SENTENCES + NASTY), _text(40))
SHOT_IDS = st.one_of(
    st.sampled_from([i for i in NASTY if len(i) <= SHOT_ID_CHARS] + ["1A", "1A", "镜头1"]), _text(SHOT_ID_CHARS)
)


def name_about(draw, cast: list[str], limit: int) -> str:
    """What a model writes where a character's name goes: the name, a variant of it, a sentence, junk."""
    variants = [v for name in cast for v in (name, name.lower(), name.upper(), f" {name} ", name[:-1], f"{name} Jr.")]
    return draw(st.one_of(st.sampled_from(variants), JUNK_NAMES))[:limit]


@st.composite
def episodes(draw, items: int = 4, chars: int = 120, lines: int = 4) -> dict:
    """A run's state at production: a pitch, a bible, an approved script and shot list, an art direction."""
    bible = Bible.model_validate(draw(drawn_as(Bible, items, chars))).model_dump(mode="json")
    cast = character_names(bible)
    raw = draw(drawn_as(EpisodeScript, items, chars))
    for scene in raw["scenes"]:
        scene["lines"] = scene.get("lines", [])[:lines]
        scene["characters"] = [name_about(draw, cast, 600) for _ in scene.get("characters", [])]
        for line in scene["lines"]:
            line["speaker"] = name_about(draw, cast, 40)
    script = EpisodeScript.model_validate(raw).model_dump(mode="json")
    shots = draw(drawn_as(ShotList, items + 2, chars))
    for shot in shots["shots"]:
        shot["id"] = draw(SHOT_IDS)
        shot["scene"] = draw(st.integers(1, len(script["scenes"]) + 2))  # some point at scenes the script lacks
        shot["characters"] = [name_about(draw, cast, 600) for _ in shot.get("characters", [])]
        shot["lines"] = draw(st.lists(st.integers(0, lines + 2), max_size=lines + 1))
    art = draw(drawn_as(ArtDirection, items, chars))
    for sheet in art["sheets"]:
        sheet["character"] = name_about(draw, cast, 40)
    for prompt in art["prompts"]:
        prompt["shot_id"] = draw(st.one_of(st.sampled_from([s["id"] for s in shots["shots"]]), SHOT_IDS))
    art = ArtDirection.model_validate(art).model_dump(mode="json")
    return {
        "lang": draw(st.sampled_from(["en", "zh"])),
        "artifacts": {"pitch": draw(drawn_as(Pitch, items, chars)), "bible": bible},
        "inputs": {
            "script": script,
            "shots": ShotList.model_validate(shots).model_dump(mode="json"),
            "prompts": {p["shot_id"]: p["prompt"] for p in art["prompts"]},
        },  # what production is handed
        "art": {"style": art["style"], "sheets": settle_sheets(bible, {}, art["sheets"])},
    }


CHEAP = settings(
    max_examples=int(os.environ.get("ROOM_PROPERTY_EXAMPLES", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ── the resolving functions alone ───────────────────────────────────────


@CHEAP
@given(st.one_of(st.sampled_from(NASTY + SENTENCES), st.text()))
def test_a_bit_part_is_a_short_printable_name(name):
    part = bit_part(name)
    assert len(part) <= BIT_PART_CHARS and part.isprintable() and part == part.strip()
    assert bit_part(part) == part
    if part:
        assert VisualSheet.model_validate(fallback_sheet(part, name)).character == part


@CHEAP
@given(st.one_of(st.sampled_from(NASTY + SENTENCES), st.text()), st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_a_name_is_the_bibles_or_a_bit_part(name, cast):
    resolved = cast_name(name, cast)
    assert resolved in cast or resolved == bit_part(name)


@CHEAP
@given(st.one_of(st.sampled_from(NASTY + SENTENCES), st.text()), st.sampled_from(["frames", "audio", ""]))
def test_no_name_leaves_the_folder(tmp_path_factory, name, sub):
    root = tmp_path_factory.getbasetemp() / "root"
    try:
        path = inside(root, sub, name)
    except (OutputError, ValueError):  # ValueError: a NUL byte, which no file name can hold
        return
    assert path.is_relative_to(root.resolve())


@pytest.mark.parametrize("name", ["/tmp/zz", "../../x", "a/../../../x", "/etc/passwd"])
def test_a_path_out_of_the_folder_is_refused(tmp_path, name):
    with pytest.raises(OutputError, match="outside"):
        inside(tmp_path / "run", "frames", name)


def _covers_the_script(script: EpisodeScript, shots: ShotList) -> None:
    numbers = [scene.number for scene in script.scenes]
    assert [s.scene for s in shots.shots] == sorted(s.scene for s in shots.shots)
    assert {s.scene for s in shots.shots} == set(numbers)
    for scene in script.scenes:
        spoken = [i for s in shots.shots if s.scene == scene.number for i in s.lines]
        assert spoken == list(range(len(scene.lines)))
    ids = [s.id for s in shots.shots]
    assert len(set(ids)) == len(ids) and all(i.isalnum() and len(i) <= SHOT_ID_CHARS for i in ids)


@settings(CHEAP, max_examples=int(os.environ.get("ROOM_PROPERTY_EXAMPLES", 150)))
@given(episodes(items=12, chars=600, lines=20))
def test_any_script_and_shot_list_resolve_to_a_fitted_episode(values):
    bible = values["artifacts"]["bible"]
    script, shots = episode_as_cast(bible, values["inputs"]["script"], values["inputs"]["shots"])
    ShotList.model_validate(shots.model_dump())  # still within every limit of the schema
    _covers_the_script(script, shots)
    cast = character_names(bible)
    named = [n for s in shots.shots for n in s.characters] + [line.speaker for sc in script.scenes for line in sc.lines]
    for name in filter(None, named):
        assert name in cast or (len(name) <= BIT_PART_CHARS and name == bit_part(name))
        VisualSheet.model_validate(fallback_sheet(name, ""))
    for sheet in values["art"]["sheets"].values():
        assert VisualSheet.model_validate(sheet).character in cast


def test_more_shots_than_the_list_holds_still_show_every_scene():
    script = EpisodeScript.model_validate(
        {
            "number": 1,
            "title": "t",
            "scenes": [
                {
                    "number": n,
                    "heading": f"H{n}",
                    "location": "L",
                    "time_of_day": "D",
                    "action": f"a{n}",
                    "lines": [{"speaker": "A", "text": f"line {n}"}],
                }
                for n in range(1, 13)
            ],
        }
    )
    shots = ShotList.model_validate(
        {
            "episode": 1,
            "shots": [{"id": "1A", "scene": 1, "size": "wide", "location": "L", "visual_intent": "v", "lines": [0]}]
            * 60,
        }
    )
    _, fitted = episode_as_cast(None, script.model_dump(), shots.model_dump())
    assert len(fitted.shots) == 60
    _covers_the_script(script, fitted)


def _run_values() -> dict:
    import factories as f

    script = f.script()
    script["scenes"].append(
        {**script["scenes"][0], "number": 7, "heading": "INT. LIFT - DAY", "location": "Lift"}
    )  # numbered by place: 3
    return {"artifacts": {"bible": f.bible(), "script": script}, "episode": 1, "episodes": 1}


@pytest.mark.parametrize("small", [False, True])
def test_the_run_schema_names_only_the_bibles_cast_and_the_scripts_scenes_for_any_model(small):
    schema = ARTIFACTS["shots"].schema_in(_run_values(), 1, small=small)
    shot = next(d for d in schema.model_json_schema()["$defs"].values() if "visual_intent" in d.get("properties", {}))
    assert shot["properties"]["characters"]["items"]["enum"] == ["Lin Xia", "Zhou Min"]
    assert shot["properties"]["scene"]["enum"] == [1, 2, 3]
    assert ARTIFACTS["shots"].schema_in(_run_values(), 1, small=small, revision=True).__name__ == "ShotListRevision"
    art = direction_for(("Lin Xia", "Zhou Min"), ("1A", "2A")).model_json_schema()["$defs"]
    assert art["VisualSheet"]["properties"]["character"]["enum"] == ["Lin Xia", "Zhou Min"]
    assert art["ShotPrompt"]["properties"]["shot_id"]["enum"] == ["1A", "2A"]


@settings(CHEAP, max_examples=int(os.environ.get("ROOM_PROPERTY_EXAMPLES", 150)))
@given(drawn_as(ARTIFACTS["shots"].schema_in(_run_values(), 1, small=False), 4, 60))
def test_what_the_run_schema_allows_the_stored_shot_list_holds_and_production_takes(written):
    values = _run_values()
    ShotList.model_validate(written)
    script, shots = episode_as_cast(values["artifacts"]["bible"], values["artifacts"]["script"], written)
    _covers_the_script(script, shots)


def test_a_shot_list_an_old_checkpoint_holds_still_validates():
    old = {
        "episode": 1,
        "shots": [
            {
                "id": "1A",
                "scene": 9,
                "size": "wide",
                "location": "L",
                "visual_intent": "v",
                "characters": ["Somebody nobody cast, in a long sentence"],
            }
        ],
    }
    assert ShotList.model_validate(old).shots[0].scene == 9


# ── the whole pipeline ──────────────────────────────────────────────────

FAST = {"speech": "espeak", "render": "tiny"}
_RUNS = itertools.count(1)
OUTSIDE = [Path(p) for p in ("/tmp/zz", "/zz", "/tmp/zz.png", "/zz.png", "/tmp/zz.request", "/zz.request")]


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    """One project for every example (each its own run), and an empty folder to run in: nothing may appear there."""
    from graphs.context import load_context
    from graphs.room import close_all
    from scripted import scripted_overrides

    base = tmp_path_factory.mktemp("studio")
    (base / "project").mkdir()
    (base / "cwd").mkdir()
    ctx = load_context(base / "project", {**scripted_overrides(), "produce": False, **FAST}, env={})
    before = {p for p in OUTSIDE if p.exists()}
    cwd = Path.cwd()
    os.chdir(base / "cwd")
    yield base, ctx
    os.chdir(cwd)
    close_all()
    assert {p for p in OUTSIDE if p.exists()} == before


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def _check_outputs(ctx, run_id: str, produced, base: Path) -> None:
    from jouvence.parser import JouvenceParser

    from tools.cut import RENDER_SIZES
    from tools.video import probe

    project = Path(ctx.project_dir)
    folder = project / "outputs" / run_id / "episodes" / "ep01"
    assert sorted(p.name for p in base.iterdir()) == ["cwd", "project"] and not any((base / "cwd").iterdir())
    written = _files(project / "outputs" / run_id)
    assert all(p.is_relative_to(folder) or p == project / "outputs" / run_id / "cast.json" for p in written)
    for path in [*produced.files.values(), *produced.frames.values(), *(a for a, _ in produced.audio.values())]:
        assert Path(path).resolve().is_relative_to(folder.resolve())
    assert sorted(p.name for p in (folder / "frames").iterdir()) == sorted(
        f"shot_{n:03d}{suffix}" for n in range(1, len(produced.frames) + 1) for suffix in (".png", ".request")
    )
    info = probe(folder / "ep01.mp4")
    assert (info["width"], info["height"]) == RENDER_SIZES[ctx.render][:2] and (
        info["video_codec"],
        info["audio_codec"],
    ) == ("h264", "aac")
    assert abs(info["duration"] - produced.duration) <= 0.5 and produced.duration >= 60 - 0.01
    cues = list(srt.parse((folder / "ep01.srt").read_text(encoding="utf-8")))
    assert all(c.start < c.end <= srt.timedelta(seconds=produced.duration + 0.01) for c in cues)
    timeline = otio.adapters.read_from_file(str(folder / "ep01.otio"))
    assert len(list(timeline.video_tracks()[0].find_clips())) == len(produced.frames)
    assert abs(timeline.duration().to_seconds() - produced.duration) <= 0.5
    screenplay = (folder / "script.fountain").read_text(encoding="utf-8")
    script = EpisodeScript.model_validate_json((folder / "script.json").read_text(encoding="utf-8"))
    doc = JouvenceParser().parseString(screenplay)
    assert len(doc.scenes) >= len(script.scenes)


@settings(
    max_examples=int(os.environ.get("ROOM_PIPELINE_EXAMPLES", 50)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)
@given(episodes(items=3, chars=120, lines=3))
def test_any_episode_is_produced_inside_the_project(studio, values):
    from agents.production import cast_episode, produce_episode
    from graphs.room import Room

    base, ctx = studio
    run_id = f"prop{next(_RUNS)}"
    values = {**values, "run_id": run_id}
    values["voices"] = cast_episode(Room(ctx).studio, values, values["inputs"]["script"])
    produced = produce_episode(Room(ctx).studio, values, 1, values["inputs"])
    _check_outputs(ctx, run_id, produced, base)


def test_an_artifact_that_no_longer_fits_its_schema_is_a_typed_resumable_error():
    import factories as f
    from agents.errors import ArtifactError
    from cli.app import exit_code

    old = f.shots()
    old["shots"][0]["id"] = "/home/someone/frames/zz"  # longer than an id may be: an edit or an older room
    with pytest.raises(ArtifactError, match=r"the shot list cannot be used: shots\.0\.id") as caught:
        episode_as_cast(f.bible(), f.script(), old)
    assert exit_code(caught.value) == 4
