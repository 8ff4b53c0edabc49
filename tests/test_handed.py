"""The setting handed to a small model (cast names, era, places): right for the premise, never an example's."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from agents.copying import copied_names
from agents.handed import _cultures, _settings, cast_names, culture_of, era_of, places_of, setting_of
from agents.prompt_file import load_prompts
from agents.screenwriter import TITLES, title_words, titles_naming

CASES = yaml.safe_load((Path(__file__).parent / "data" / "premise_cases.yaml").read_text(encoding="utf-8"))


def _cases(key: str) -> list[tuple[str, str, str]]:
    return [tuple(row) for row in CASES[key]]


def _first_places(places: tuple[str, ...], description: str) -> list[dict]:
    """A small model's bible's locations: the first three handed places, in order."""
    return [{"name": name, "description": description} for name in places[:3]]


@pytest.mark.parametrize(
    "lang, premise, culture",
    _cases("cultures"),
)
def test_the_culture_is_the_premises(lang, premise, culture):
    assert culture_of(premise, lang)["name"] == culture
    names = cast_names(premise, lang)
    assert len(names) == len(set(names)) == 6
    assert cast_names(premise, lang) == names  # the same premise, the same cast


@pytest.mark.parametrize("culture", _cultures(), ids=lambda c: c["name"])
def test_a_name_from_the_pools_says_its_gender(culture):
    from agents.handed import gender_of

    listed = {g: set() for g in ("female", "male")}
    for other in _cultures():
        for gender in listed:
            listed[gender].update(n.casefold() for n in other[gender])
    join = "" if culture["lang"] == "zh" else " "
    for gender in ("female", "male"):
        for first in culture[gender]:
            if first.casefold() in listed["female"] & listed["male"]:
                continue  # a given name both ways says nothing
            for family in culture["family"]:
                parts = (family, first) if culture["order"] == "family_first" else (first, family)
                assert gender_of(join.join(parts)) == gender, join.join(parts)
    assert gender_of("") == "" and gender_of("The Stranger") == ""


def test_names_the_premise_gives_come_first():
    assert cast_names("A nurse named Rosa Diaz finds her twin", "en")[0] == "Rosa Diaz"
    assert cast_names("一个名叫林小满的女孩重生了", "zh")[0] == "林小满"


@pytest.mark.parametrize(
    "lang, premise, gender",
    _cases("genders"),
)
def test_the_cast_opens_with_the_gender_of_whom_the_premise_is_about(lang, premise, gender):
    from agents.handed import gender_of, lead_gender

    assert lead_gender(premise, lang) == gender
    names = cast_names(premise, lang)
    assert [gender_of(n) for n in names[:2]] == (["male", "female"] if gender == "male" else ["female", "male"])


def _example_names(lang: str) -> set[str]:
    found: set[str] = set()
    for role in ("screenwriter", "director", "art_director", "cultural_consultant", "editor"):
        for task in load_prompts(role, lang).tasks.values():
            for example in task.examples:
                found |= set(_names(example.output))
    return found


def _names(value):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("name", "speaker", "character") and isinstance(item, str):
                yield item
                yield from item.split()
            else:
                yield from _names(item)
    elif isinstance(value, list):
        for item in value:
            yield from _names(item)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_pool_holds_a_name_an_example_uses(lang):
    used = _example_names(lang)
    for culture in _cultures():
        parts = set(culture["female"]) | set(culture["male"]) | set(culture["family"])
        assert not parts & used, (culture["name"], parts & used)


_LEAD_FIRST = ("protagonist", "love interest", "antagonist")


@pytest.mark.parametrize("lang, premise, lead", _cases("leads"))
def test_a_small_models_cast_has_one_lead_and_roles_of_its_gender(lang, premise, lead):
    from agents.handed import cast_roles, gender_of, lead_gender, roles_of

    setting = setting_of(premise, lang)
    assert setting.roles == cast_roles(setting.names, lang) and setting.roles[0] == (lead,)
    for name, roles in zip(setting.names[1:], setting.roles[1:]):
        assert roles and lead not in roles and set(roles) <= set(roles_of(lang))
        assert all(lead_gender(role, lang) in ("", gender_of(name)) for role in roles)  # a woman is no 男主
    assert cast_roles((), lang) == ()


def test_a_small_models_bible_is_named_from_its_cast(make_ctx):
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    values = {"premise": "In 1920s Chicago, a jazz singer falls for a detective", "lang": "en", "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    doc = json.dumps(owner_schema(ARTIFACTS["bible"], values, make_ctx(), small).model_json_schema())
    assert all(name in doc for name in cast_names(values["premise"], "en")[:4])
    schema = owner_schema(ARTIFACTS["bible"], values, make_ctx(), small)
    setting = setting_of(values["premise"], "en")
    actor = {**_bible()["characters"][0], "name": setting.names[0], "role": "actor"}
    held = {
        **_bible(),
        "locations": _first_places(setting.places, "smoke"),
        "world": {"era": setting.era, "rules": [values["premise"]]},
    }
    cast = [{**actor, "name": name, "role": role} for name, role in zip(setting.names[:3], _LEAD_FIRST)]
    with pytest.raises(ValueError):
        schema.model_validate({**held, "characters": [{**cast[0], "name": "Claire Dunn"}, *cast[1:]]})
    with pytest.raises(ValueError):  # a role is one of the examples' ("actor" for the whole cast, left free)
        schema.model_validate({**held, "characters": [{**c, "role": "actor"} for c in cast]})
    # the lead is the protagonist, and no one else is (the 270M model made a whole cast antagonists)
    for lead, second in (("antagonist", "love interest"), ("protagonist", "protagonist")):
        with pytest.raises(ValueError):
            schema.model_validate({**held, "characters": [{**cast[0], "role": lead}, {**cast[1], "role": second}]})
    assert '"enum": ["antagonist", "love interest"]' in doc
    assert [c.name for c in schema.model_validate({**held, "characters": cast}).characters] == list(setting.names[:3])
    # each character its own name, in the cast's order: the 270M model named a Chicago series' three one name
    for named in ([cast[0]] * 3, [cast[1], cast[0], cast[2]], cast[:1]):
        with pytest.raises(ValueError):
            schema.model_validate({**held, "characters": named})
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["bible"], values, make_ctx(), large) is ARTIFACTS["bible"].schema


def _cast(names: tuple[str, ...]) -> list[dict]:
    """A small model's English cast: the first three of the names it was handed, in order, each in a role of its
    own (`cast_roles`)."""
    from agents.handed import cast_roles

    roles = cast_roles(names, "en")
    return [{**_bible()["characters"][0], "name": name, "role": roles[k][0]} for k, name in enumerate(names[:3])]


def _bible() -> dict:
    import factories as f

    return f.bible()


@pytest.mark.parametrize(
    "lang, premise, era",
    _cases("eras"),
)
def test_the_era_is_the_one_the_premise_names(lang, premise, era):
    from agents.cultural_consultant import era_year

    assert era_of(premise, lang) == era
    assert era_year(era) is not None or "magic" in era  # the consultant's era check can read it
    assert setting_of(premise, lang) is setting_of(premise, lang)  # worked out once a premise


@pytest.mark.parametrize(
    "lang, premise, place",
    _cases("places"),
)
def test_places_come_from_what_the_premise_is_about(lang, premise, place):
    places = places_of(premise, lang)
    assert place in places and len(places) == len(set(places)) <= 6
    assert places_of(premise, lang) == places


@pytest.mark.parametrize(
    "lang, old, today, modern",
    [
        (
            "en",
            "A medieval plague doctor loves the widow he cannot save",
            "A doctor loves the widow he cannot save",
            "Hospital night ward",
        ),
        ("en", "A Roman gladiator's widow hires a lawyer", "A boxer's widow hires a lawyer", "Law firm office"),
        ("zh", "重生回到大婚前夜的侯府嫡女", "重生回到婚礼前夜的女孩", "家中客厅"),
        ("zh", "唐朝长安，一个厨师在酒楼后厨发现了一具尸体", "一个厨师在后厨发现了一具尸体", "餐厅后厨"),
    ],
)
def test_a_premise_set_before_1800_is_handed_no_modern_place(lang, old, today, modern):
    """A medieval plague doctor is not handed a hospital's night ward, nor a reborn marquis' daughter a flat."""
    assert modern not in places_of(old, lang)
    assert modern in places_of(today, lang)


def test_a_premise_set_before_1800_in_todays_culture_is_handed_its_old_places():
    """1690s Salem is handed no apartment kitchen nor a wizard's tower: a witch trial is history, not magic."""
    salem = places_of("In 1690s Salem, a midwife is accused of witchcraft by the girl she delivered", "en")
    today = places_of("A midwife in Boston delivers a baby", "en")
    assert "Apartment kitchen" not in salem and "Village green" in salem and "Wizard tower study" not in salem
    assert "Apartment kitchen" in today and "Village green" not in today and "Courier depot" not in today
    assert "Wizard tower study" in places_of("A witch's apprentice steals her spell book", "en")


def test_a_murder_on_a_ship_in_space_is_handed_no_police_precinct_nor_a_sea_deck():
    """A colony ship's murder is solved aboard: neither a police precinct nor a ship's deck at sea (stop 42)."""
    aboard = places_of("A colony ship's computer wakes one passenger early to help it hide a murder", "en")
    ashore = places_of("A ferry ship's captain wakes one passenger early to help him hide a murder", "en")
    assert "Police precinct" not in aboard and "Ship's deck" not in aboard and "Starship bridge" in aboard
    assert "Police precinct" in ashore and "Ship's deck" in ashore


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_name_place_or_era_handed_is_an_examples(lang):
    """The room's own copy check (the examples' names, places, eras, titles, proper nouns) finds none of them."""
    places = {p for c in _cultures() if c["lang"] == lang for p in c["places"] + c.get("old_places", [])} | {
        p for s in _settings() for p in s.get(lang, [])
    }
    eras = {era_of(" ".join(c["words"][:1]), lang) for c in _cultures() if c["lang"] == lang}
    names = {n for c in _cultures() if c["lang"] == lang for n in c["female"] + c["male"] + c["family"]}
    assert places and eras and names
    for role in ("screenwriter", "director", "art_director"):
        assert (
            copied_names({"places": sorted(places), "eras": sorted(eras), "names": sorted(names)}, role, lang, "") == []
        )


def held_schemas(artifact: str, values: dict, ctx, dumped: bool = True) -> list:
    """The closed schemas a small model writes `artifact` in, proposing and revising (as JSON text when `dumped`)."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from agents.structured import closed_schema
    from graphs.negotiation import owner_schema

    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    docs = [
        closed_schema(owner_schema(ARTIFACTS[artifact], values, ctx, small, revision=revision), {}, SMALL_MODEL_LIMITS)
        for revision in (False, True)
    ]
    return [json.dumps(doc, ensure_ascii=False) for doc in docs] if dumped else docs


def test_a_small_models_bible_is_set_where_the_premise_is(make_ctx):
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    values = {"premise": "In 1920s Chicago, a jazz singer falls for a detective", "lang": "en", "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    schema = owner_schema(ARTIFACTS["bible"], values, make_ctx(), small)
    names, places = cast_names(values["premise"], "en"), places_of(values["premise"], "en")
    bible = {
        **_bible(),
        "characters": _cast(names),
        "locations": _first_places(places, "smoke and brass"),
        "world": {"era": "1920s, Chicago", "rules": [values["premise"] + ", who hides her brother."]},
    }
    assert schema.model_validate(bible).locations[0].name == places[0]
    assert {"Jazz club stage", "Police precinct"} <= set(places)
    for copied in (
        {"locations": [{"name": "Halberd Capital lobby", "description": "glass"}]},
        {"world": {"era": "Present-day New York City", "rules": bible["world"]["rules"]}},
        {"world": {"era": "1920s, Chicago", "rules": ["Phones are everywhere."]}},  # a world of some other story
    ):
        with pytest.raises(ValueError):
            schema.model_validate({**bible, **copied})


def test_a_small_models_bible_opens_its_world_with_the_premise(make_ctx):
    """Left free, the embedded model wrote bibles about nothing of their premise (no word of "An Antarctic weather
    station's cook suspects the new scientist is an impostor" in its bible); the world's first rule is the premise,
    written on, and a later rule that only says it again is left out."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    premise = "An Antarctic cook (55) suspects the new scientist is an impostor [1+1]"
    values = {"premise": premise, "lang": "en", "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    for doc in held_schemas("bible", values, make_ctx()):
        assert (
            r'"pattern": "^An Antarctic cook \\(55\\) suspects the new scientist is an impostor \\[1\\+1\\].*"' in doc
        )
    schema = owner_schema(ARTIFACTS["bible"], values, make_ctx(), small)
    setting = setting_of(premise, "en")
    bible = {
        **_bible(),
        "characters": _cast(setting.names),
        "locations": _first_places(setting.places, "ice"),
        "world": {
            "era": setting.era,
            "rules": [
                premise + ": the radio is down.",
                "An Antarctic cook suspects the new scientist is an impostor",
                "No plane lands until spring.",
            ],
        },
    }
    held = schema.model_validate(bible).model_dump(mode="json")
    assert held["world"]["rules"] == [premise + ": the radio is down.", "No plane lands until spring."]
    assert ARTIFACTS["bible"].schema.model_validate(held)  # stored as any bible is
    # written world first, so the cast and the places follow the premise the world opens with; the examples too
    assert list(schema.model_json_schema()["properties"])[0] == "world" == list(held)[0]
    for lang in ("en", "zh"):
        for task in ("bible", "revise_bible"):
            for example in load_prompts("screenwriter", lang).tasks[task].examples:
                assert list(example.output.get("artifact", example.output))[0] == "world", (lang, task)
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["bible"], values, make_ctx(), large) is ARTIFACTS["bible"].schema


@pytest.mark.parametrize(
    "side, places",
    [
        ("EXT.", ["Mountain pass", "Enchanted forest", "City street at night", "Mountain lookout over the bay"]),
        ("EXT.", ["Ship's deck", "Banks of the Nile", "村口老槐树下", "御花园", "凌霄殿外", "胡同口", "水乡石桥"]),
        ("INT.", ["Harbour bar", "Green room", "Rooftop apartment", "Base camp tent", "Starship bridge"]),
        ("INT.", ["街角咖啡馆", "飞船舰桥", "古墓墓道", "宰相府", "Lighthouse", "", "A;B|C"]),
    ],
)
def test_a_heading_is_outside_where_its_place_is(side, places):
    """Left to pick, the 270M model wrote INT. MOUNTAIN PASS and INT. ENCHANTED FOREST."""
    from agents.screenwriter import headings, side_of

    assert [side_of(place) for place in places] == [side] * len(places)
    assert all(h.startswith(side) for h in headings(tuple(places)))


def test_a_small_models_scenes_are_at_the_bibles_locations():
    import factories as f
    from agents.roles import ARTIFACTS

    schema = ARTIFACTS["script"].schema_for(1, 1, ("Lin Xia", "Zhou Min"), (), ("Board room", "Rooftop"))
    script = f.script()
    assert schema.model_validate(script).scenes[1].heading == "EXT. ROOFTOP - NIGHT"
    script["scenes"][0]["location"] = "Halberd Capital lobby"
    with pytest.raises(ValueError):
        schema.model_validate(script)
    script = f.script()
    script["scenes"][0]["heading"] = "INT. HALBERD CAPITAL LOBBY - DAY"
    with pytest.raises(ValueError):
        schema.model_validate(script)
    script = f.script()
    script["scenes"][0]["heading"] = "EXT. ROOFTOP - DAY"  # another of its places: the heading says where it is
    assert schema.model_validate(script).scenes[0].heading == "INT. BOARD ROOM - DAY"  # and that it is indoors
    assert "enum" not in json.dumps(ARTIFACTS["script"].schema_for(1, 1).model_json_schema())


@settings(
    max_examples=int(os.environ.get("ROOM_PROPERTY_EXAMPLES", 200)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(premise=st.text(min_size=1, max_size=200), lang=st.sampled_from(["en", "zh"]))
def test_any_premise_gets_a_setting_a_small_model_can_be_held_to(premise, lang):
    """Whatever a writer types, the setting is whole, deterministic, never an example's, and makes a schema."""
    from agents.handed import setting_of
    from agents.roles import ARTIFACTS

    setting = setting_of(premise, lang)
    assert setting == setting_of(premise, lang)
    assert len(setting.names) >= 6 and len(set(setting.names)) == len(setting.names)
    assert setting.era.strip() and 1 <= len(setting.places) <= 6
    assert copied_names({"places": setting.places, "era": setting.era}, "screenwriter", lang, "") == []
    schema = ARTIFACTS["bible"].schema_for(1, 0, setting.names, (), setting.places, setting.era)
    assert schema.model_json_schema()["$defs"]


_PITCH = {"title": "囤货系统", "genre": "g", "tropes": [], "hook": "h", "target_audience": "a"}


def test_a_small_models_logline_opens_with_the_premise(make_ctx):
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    premise = '末世降临，一个普通超市收银员觉醒了囤货系统 (a "test" [x] 1+1)'
    values = {"premise": premise, "lang": "zh", "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    for doc in held_schemas("pitch", values, make_ctx()):
        assert '"pattern": "^末世降临' in doc  # the decoder is held to it, revisions too
    schema = owner_schema(ARTIFACTS["pitch"], values, make_ctx(), small)
    assert schema.model_validate({**_PITCH, "logline": premise + "：她囤下了整座城的物资。"})
    with pytest.raises(ValueError):  # the example's story, not this premise
        schema.model_validate({**_PITCH, "logline": "豪门千金被继妹和未婚夫联手害死，重生回到订婚宴前一天。"})
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["pitch"], values, make_ctx(), large) is ARTIFACTS["pitch"].schema


@pytest.mark.parametrize(
    "lang, good, says, bad",
    [
        (
            "zh",
            ["养猪场", "回老家的男星", "男星的猪场", "女明星的婚礼"],
            ["养猪场", "回老家的男星", "男星的猪场"],
            ["The Big Boss", ">(A) the new-generation model", "2017年", "猪"],
        ),
        (
            "en",
            ["The Cook's Secret", "Ice 1957", "Misunderstandings", "Antarctic Station Nights", "The Necron"],
            ["The Cook's Secret", "Antarctic Station Nights"],
            ["the cook", "> (A) model", "Ice Station Zebra at Night Time Again", "A Chef Onthewirstwhileinhotpursit"],
        ),
    ],
)
def test_a_small_models_titles_are_a_few_words_of_the_series_language(make_ctx, lang, good, says, bad):
    """The 270M model titled Chinese series and their episodes "The Big Boss", ">(A) the new-generation model"
    and "2017年": a small model's pitch and episodes (and their revisions) are titled in the series' language. It
    titled an undertaker's series 女明星的婚礼 and a park ranger's "The Necron": its series title (not its episodes')
    says a word of the premise."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from factories import outline, pitch
    from graphs.negotiation import owner_schema

    premise = {"zh": "顶流男星被迫回老家继承养猪场", "en": "A cook at an Antarctic station suspects the new scientist"}[
        lang
    ]
    values = {"premise": premise, "lang": lang, "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    large = RoomModel(chat=None, spec="openai:x")
    assert all('"pattern": "' + TITLES[lang] in doc for doc in held_schemas("outline", values, make_ctx()))
    assert all(
        json.dumps(titles_naming(premise, lang), ensure_ascii=False) in doc
        for doc in held_schemas("pitch", values, make_ctx())
    )
    for title in good + bad:
        written = {**pitch(), "logline": premise, "title": title}
        episodes = outline(2)
        episodes["episodes"][0] |= {"title": title, "hook": premise}
        episodes["episodes"][1]["title"] = good[0]
        for name, content in (("pitch", written), ("outline", episodes)):
            owner_schema(ARTIFACTS[name], values, make_ctx(), large).model_validate(content)  # any title
            held = owner_schema(ARTIFACTS[name], values, make_ctx(), small)
            if title in good and (name == "outline" or title in says):  # a series' title says the premise
                held.model_validate(content)
            else:
                with pytest.raises(ValueError):
                    held.model_validate(content)


@pytest.mark.parametrize("episodes", [1, 3])
def test_a_small_models_outline_opens_its_first_hook_with_the_premise(make_ctx, episodes):
    """Left free, the embedded model outlined nothing of the premise; held like the logline, the decoder writes
    the series on from it. Only the first episode's hook: the others go on from there."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from factories import outline
    from graphs.negotiation import owner_schema

    premise = "A night-shift nurse (RN) finds the hospital's new owner is her twin; 1+1 [x]"
    values = {"premise": premise, "lang": "en", "episodes": episodes}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    for doc in held_schemas("outline", values, make_ctx(), dumped=False):
        hooks = [d["properties"]["hook"] for d in doc["$defs"].values() if "hook" in d.get("properties", {})]
        assert sorted("pattern" in h for h in hooks) == ([False, True] if episodes > 1 else [True])
        assert all(h["minLength"] == 12 for h in hooks)  # the small model's own floors still reach both
    schema = owner_schema(ARTIFACTS["outline"], values, make_ctx(), small)
    written = outline(episodes)
    written["episodes"][0]["hook"] = premise + ", and nobody believes her."
    held = schema.model_validate(written).model_dump(mode="json")
    assert [e["number"] for e in held["episodes"]] == list(range(1, episodes + 1))
    assert ARTIFACTS["outline"].schema.model_validate(held)  # stored as any outline is
    with pytest.raises(ValueError):  # the first hook of some other story
        schema.model_validate(outline(episodes))
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["outline"], values, make_ctx(), large).model_validate(outline(episodes))


def test_a_small_models_script_follows_its_episode_in_the_outline(make_ctx):
    """The first scene's action opens with the episode's hook as the approved outline has it (episode 2's for
    episode 2), the next scenes' with its beats in order, and the script has the episode's title, in a script of
    the scenes a small model writes; a repeated scene and a line with no word in it are still dropped."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from agents.screenwriter import EpisodeScript
    from factories import bible, outline, script
    from graphs.negotiation import owner_schema

    planned = outline(2)
    planned["episodes"][1] |= {"hook": "Zhou Min (the uncle) signs the papers at dawn [1+1]", "title": "Dawn"}
    values = {"premise": "p", "lang": "en", "episodes": 2, "episode": 2}
    values["artifacts"] = {"bible": bible(), "outline": planned}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    for doc in held_schemas("script", values, make_ctx()):
        assert r'"pattern": "^Zhou Min \\(the uncle\\) signs the papers at dawn \\[1\\+1\\].*"' in doc
        assert '"pattern": "^she arrives.*"' in doc and '"pattern": "^the reveal.*"' in doc
        assert '"title": {"const": "Dawn"' in doc
    schema = owner_schema(ARTIFACTS["script"], values, make_ctx(), small)
    written = {**script(2), "title": "Dawn"}
    scene = {**written["scenes"][0], "location": "Board room", "heading": "INT. BOARD ROOM - NIGHT"}
    first = {**scene, "action": planned["episodes"][1]["hook"] + ". Lin Xia watches."}
    numbers = {"speaker": "Zhou Min", "text": "2/3", "emotion": "cold"}
    arrives = {**scene, "action": "she arrives at the board room.", "lines": [*scene["lines"][1:], numbers]}
    reveal = {**scene, "action": "the reveal: the papers are forged.", "lines": []}
    written["scenes"] = [first, arrives, reveal, {**arrives, "number": 7}]
    held = schema.model_validate(written).model_dump(mode="json")  # the fourth scene repeats the second
    assert [s["number"] for s in held["scenes"]] == [1, 2, 3] and held["scenes"][0]["action"] == first["action"]
    assert [s["action"] for s in held["scenes"][1:]] == [arrives["action"], reveal["action"]]
    assert "2/3" not in [line["text"] for s in held["scenes"] for line in s["lines"]]
    assert EpisodeScript.model_validate(held)  # stored as any script is
    again = {**planned["episodes"][1], "beats": [{"description": "she runs home", "intensity": 5}] * 2}
    values["artifacts"] = {"bible": bible(), "outline": {**planned, "episodes": [planned["episodes"][0], again]}}
    runs = {**scene, "action": "she runs home", "lines": []}  # the third scene says the second's again
    leaves = {**scene, "action": "Zhou Min leaves.", "lines": [{"speaker": "Zhou Min", "text": "Goodbye."}]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # and what is left is written out without a serializer's complaint
        again = owner_schema(ARTIFACTS["script"], values, make_ctx(), small)
        held = again.model_validate({**written, "scenes": [first, runs, runs, leaves]}).model_dump(mode="json")
    assert [s["action"] for s in held["scenes"]] == [first["action"], "she runs home", leaves["action"]]
    values["artifacts"] = {"bible": bible(), "outline": planned}
    for other in (  # a first scene of some other story; scenes out of the outline's order; another title
        {**written, "scenes": [scene, first, reveal]},
        {**written, "scenes": [first, reveal, arrives]},
        {**written, "scenes": [first], "title": "The Return 2"},
    ):
        with pytest.raises(ValueError):
            schema.model_validate(other)
    assert schema.model_validate({**written, "scenes": [first]}).scenes[0].action == first["action"]
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["script"], values, make_ctx(), large) is ARTIFACTS["script"].schema_for(2, 2)


def test_a_small_models_scenes_go_where_their_beats_say_and_else_through_the_bibles_places(make_ctx):
    """Each scene of a small model's script is at the bible's place its hook or beat names, and else at the next of
    the bible's places in turn, its heading too (left to pick, the 270M model set every scene of ten episodes at
    one place)."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from agents.screenwriter import side_of
    from factories import bible, outline, script
    from graphs.negotiation import owner_schema

    places = ["Board room", "Night market", "Rooftop garden"]
    held_bible = {**bible(), "locations": [{"name": name, "description": "a place"} for name in places]}
    planned = outline(1)
    planned["episodes"][0] |= {
        "hook": "Lin Xia signs the papers",
        "beats": [{"description": text, "intensity": 5} for text in ("At the ROOFTOP GARDEN she waits", "He runs")],
    }
    values = {"premise": "p", "lang": "en", "episodes": 1, "episode": 1}
    values["artifacts"] = {"bible": held_bible, "outline": planned}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    schema = owner_schema(ARTIFACTS["script"], values, make_ctx(), small)
    written = {**script(1), "title": planned["episodes"][0]["title"]}
    base = written["scenes"][0]
    actions = ["Lin Xia signs the papers.", "At the ROOFTOP GARDEN she waits.", "He runs.", "Zhou Min hides."]
    expected = ["Board room", "Rooftop garden", "Rooftop garden", "Board room"]  # named, else the k-th in turn

    def scenes(at: list[str]) -> list[dict]:
        return [
            {
                **base,
                "number": k + 1,
                "action": action,
                "location": place,
                "heading": f"{side_of(place)} {place.upper()} - DAY",
            }
            for k, (action, place) in enumerate(zip(actions, at))
        ]

    held = schema.model_validate({**written, "scenes": scenes(expected)})
    assert [(s.location, s.heading.split(" - ")[0]) for s in held.scenes] == [
        (place, f"{'EXT.' if 'garden' in place else 'INT.'} {place.upper()}")
        for place in expected  # a garden's out
    ]
    for k, other in enumerate(places):  # any scene at another place is some other script
        if other != expected[1]:
            with pytest.raises(ValueError):
                schema.model_validate({**written, "scenes": scenes([expected[0], other, *expected[2:]])})
        if other != expected[k]:
            with pytest.raises(ValueError):
                schema.model_validate({**written, "scenes": scenes([*expected[:k], other, *expected[k + 1 :]])})


_NORTH = "民国北平，一个说书人发现自己讲的故事正在一件件变成真"
_SMITH = "A medieval blacksmith's daughter disguises herself as a knight to win her father's freedom"


@pytest.mark.parametrize(
    "text, said, again",
    [  # what the embedded model wrote in its held outlines and scripts, and what a writer would
        ("民国北平，一个說書人發现自己讲故事正在件件变成真", _NORTH, True),
        ("民国北平，一個說人發現自己讲的故事在件件變成真", _NORTH, True),
        ("民国北平：一个说 书人发现自己讲的故事正在件件变成真", _NORTH, True),
        (_NORTH + "，他决定讲一个救妹妹的故事，却引来了日本宪兵", _NORTH, False),
        ("下乡女婿，林薇和陈默见面了，林薇对陈默冷笑。", _NORTH, False),
        (_SMITH + ".", _SMITH, True),
        ("A blacksmith's daughter disguises herself as knight to win father's freedom!", _SMITH, True),
        ("She is the daughter of King Arthur who gave her freedom for life,", _SMITH, False),
        (_SMITH + ", and at the tournament she meets the prince who jailed him", _SMITH, False),
        ("", _SMITH, False),
        ("...", _SMITH, False),
    ],
)
def test_a_restatement_is_told_from_a_sentence_that_goes_on(text, said, again):
    from agents.screenwriter import restates

    assert restates(text, said) is again


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(said=st.text(min_size=1, max_size=120), more=st.text(min_size=1, max_size=120))
def test_anything_said_again_is_a_restatement_and_going_on_is_not(said, more):
    from agents.screenwriter import _WORD, restates

    words = _WORD.findall(said.casefold())
    assert restates(said, said) is bool(words)
    assert restates(said.upper() + " ", said) is bool(words)  # case and spacing tell nothing apart
    if len(_WORD.findall(more)) > len(words):  # a sentence that goes on with more than it restates
        assert not restates(said + " " + more, said)


def test_a_small_models_outline_and_script_leave_out_what_only_restates(make_ctx):
    """Held to open on the premise, the 270M model wrote it out again in every later beat, the cliffhanger and the
    next scenes' action ("民国北平，一个說書人發现…"), a beat again as the cliffhanger and a line again with a word
    changed: those are left out, a scene left with nothing is dropped, and an episode keeps a beat."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from factories import bible, outline, script
    from graphs.negotiation import owner_schema

    values = {"premise": _NORTH, "lang": "zh", "episodes": 2, "episode": 1}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    fire = "他讲了一个火灾的故事，当晚茶馆起火。"
    written = outline(2)
    first, second = written["episodes"]
    first["title"], second["title"] = "说书人", "茶馆起火"  # a small model's titles are in the series' language
    first["hook"] = _NORTH
    first["beats"] = [
        {"description": "民国北平，一个說書人發现自己讲故事正在件件变成真", "intensity": 3},
        {"description": fire, "intensity": 6},
        {"description": "民国北平，一个说 书人发现自己讲的故事正在件件变成真", "intensity": 8},
        {"description": "他讲了一个火灾的故事，当夜茶馆起火", "intensity": 9},  # the second beat again
    ]
    first["cliffhanger"] = "民国北平：一个說書人发现自己讲的故事正在件件變成真"
    second["beats"] = [{"description": _NORTH + "。", "intensity": 5}]
    second["cliffhanger"] = _NORTH  # its only beat again
    held = owner_schema(ARTIFACTS["outline"], values, make_ctx(), small).model_validate(written)
    one, two = held.model_dump(mode="json")["episodes"]
    assert [b["description"] for b in one["beats"]] == [fire]
    assert one["hook"] == _NORTH and one["cliffhanger"] == ""
    assert len(two["beats"]) == 1 and two["cliffhanger"] == ""  # a beat is kept
    large = RoomModel(chat=None, spec="openai:x")
    assert [
        len(e.beats)
        for e in owner_schema(ARTIFACTS["outline"], values, make_ctx(), large).model_validate(written).episodes
    ] == [4, 1]

    values["artifacts"] = {"bible": bible(), "outline": held.model_dump(mode="json")}
    draft = {**script(1), "title": "说书人"}  # the episode's title in the outline
    lin, zhou = draft["scenes"][0]["lines"][:2]
    assert lin["speaker"] != zhou["speaker"]
    scene = {**draft["scenes"][0], "location": "Board room", "heading": "INT. BOARD ROOM - NIGHT"}
    again = {**lin, "text": lin["text"].rstrip(".!?") + ", again!"}  # a word added: the line said again
    third = draft["scenes"][0]["lines"][2]
    draft["scenes"] = [  # the second scene opens on the episode's one beat, the next ones are the model's own
        {**scene, "action": _NORTH + "。", "lines": [lin]},
        {**scene, "action": fire + "众人惊呼。", "lines": [zhou, again]},
        {**scene, "action": "民国北平，一个说书人发现自己讲故事正在一件件变成真", "lines": [third]},
        {**scene, "action": "他讲了一个火灾的故事，当夜茶馆起火", "lines": [again]},  # nothing left: dropped
    ]
    acted = owner_schema(ARTIFACTS["script"], values, make_ctx(), small).model_validate(draft).model_dump(mode="json")
    assert [s["action"] for s in acted["scenes"]] == [_NORTH + "。", fire + "众人惊呼。", ""]
    assert [s["number"] for s in acted["scenes"]] == [1, 2, 3]
    spoken = [[line["text"] for line in s["lines"]] for s in acted["scenes"]]
    assert spoken == [[lin["text"]], [zhou["text"]], [third["text"]]]
    kept = ARTIFACTS["script"].schema_for(1, 1).model_validate(draft)  # a real model's script: only exact repeats go
    assert [s.action for s in kept.scenes][2] == draft["scenes"][2]["action"] and len(kept.scenes) == 4


def test_a_small_models_bible_leaves_out_a_character_written_out_again(make_ctx):
    """The 270M model gave a dragon's four characters one secret, one look and one way of speaking, "she" or "he"
    and a quote mark apart, and the bible's look again: those are left out of the later characters, what a
    character says of its own is kept, and a real model's bible keeps them all."""
    from agents.handed import setting_of
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    premise = "A dragon who lost her hoard takes a job as a bank teller to steal it back"
    setting = setting_of(premise, "en")
    values = {"premise": premise, "lang": "en", "episodes": 1}
    speech = "The dragon has no speech style but she does not speak very much; she speaks through her tail"
    look = "I know, I knew: there is no hidden treasure in my closet. It's just a trick."

    def character(name: str, pronoun: str, want: str, secret: str) -> dict:
        return {
            "name": name,
            "age": 30,
            "role": setting.roles[setting.names.index(name)][0],
            "want": want,
            "need": "the secret that I can unlock with this story.",
            "secret": secret,
            "speech_style": speech.replace("she", pronoun),
            "visual_description": look.replace("'", "’") if pronoun == "he" else look,
            "voice": "low and slow",
        }

    first, second, third = setting.names[:3]
    written = {
        "world": {"era": setting.era, "rules": [premise]},
        "characters": [
            character(first, "she", "Her hoard back before the audit", "She ate the last knight."),
            character(second, "he", "A seat on the bank's board", "He owes the bank manager his hoard."),
            character(third, "he", "To retire to the coast", "He owes the bank manager his hoard!"),
        ],
        "locations": _first_places(setting.places, "the vault"),
        "tone": "moody",
        "visual_style": speech,
    }
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    held = owner_schema(ARTIFACTS["bible"], values, make_ctx(), small).model_validate(written).model_dump()
    one, two, three = held["characters"]
    assert one == written["characters"][0]  # the first says it
    assert [c["want"] for c in held["characters"]] == [c["want"] for c in written["characters"]]  # their own
    assert two["secret"] == written["characters"][1]["secret"]
    for later in (two, three):
        assert later["need"] == later["speech_style"] == later["visual_description"] == later["voice"] == ""
    assert three["secret"] == "" and held["visual_style"] == "" and held["tone"] == "moody"
    large = RoomModel(chat=None, spec="openai:x")
    kept = owner_schema(ARTIFACTS["bible"], values, make_ctx(), large).model_validate(written).model_dump()
    assert kept["characters"] == written["characters"]


_BITS = st.sampled_from(
    ["民国北平", "一个说书人", "發现", "故事成真", "the tea house", "burns", "again", "", "。", "!"]
)
_SAID = st.lists(_BITS, max_size=6).map(" ".join)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    scenes=st.lists(
        st.tuples(_SAID, st.lists(st.tuples(st.sampled_from(["Lin Xia", "Zhou Min"]), _SAID), max_size=4)),
        min_size=1,
        max_size=4,
    )
)
def test_any_small_script_keeps_a_scene_and_no_empty_one(make_ctx, scenes):
    """Whatever a small model loops on, its script keeps its first scene, numbered scenes, none with nothing in it
    but the only one, and no speaker saying one thing twice."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from agents.screenwriter import restates
    from factories import bible, outline
    from graphs.negotiation import owner_schema

    planned = outline(1)
    planned["episodes"][0] |= {"hook": "民国北平 一个说书人", "beats": [{"description": "故事成真", "intensity": 5}]}
    values = {"premise": _NORTH, "lang": "zh", "episodes": 1, "episode": 1}
    values["artifacts"] = {"bible": bible(), "outline": planned}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    schema = owner_schema(ARTIFACTS["script"], values, make_ctx(), small)
    written = [
        {
            "number": 1,
            "heading": "INT. BOARD ROOM - NIGHT",
            "location": "Board room",
            "time_of_day": "NIGHT",
            "action": action,
            "lines": [{"speaker": who, "text": text} for who, text in lines],
        }
        for action, lines in scenes
    ]
    written[0]["action"] = f"民国北平 一个说书人 {written[0]['action']}"
    for scene in written[1:2]:  # on the episode's beat
        scene["action"] = f"故事成真 {scene['action']}"
    held = schema.model_validate({"number": 1, "title": "Episode 1", "scenes": written})
    assert [s.number for s in held.scenes] == list(range(1, len(held.scenes) + 1))
    assert held.scenes[0].action == written[0]["action"]
    assert all(s.action or s.lines for s in held.scenes[1:])
    said = [(line.speaker, line.text) for s in held.scenes for line in s.lines]
    for place, (who, text) in enumerate(said):
        assert not any(w == who and restates(text, t) for w, t in said[:place])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(premise=st.text(min_size=1, max_size=400), tail=st.text(max_size=40))
def test_any_premise_opens_a_logline_that_validates(premise, tail):
    """Whatever a writer types (brackets, backslashes, quotes, newlines), its opening is a literal that the
    schema's pattern accepts with anything after it, and the opening is the premise's own start."""
    import re

    from agents.handed import opening_of
    from agents.screenwriter import Pitch, literal, opened_with

    opening = opening_of(premise)
    assert len(opening.encode()) <= 120 and " ".join(premise.split()).startswith(opening)
    assert re.fullmatch(literal(opening), opening)
    if opening:
        tail = tail.replace("\n", " ").replace("\r", " ")
        schema = opened_with(Pitch, opening)
        assert schema.model_validate({**_PITCH, "logline": (opening + tail)[:400]}).logline.startswith(opening)


def test_an_opening_is_short_enough_in_bytes_for_a_decoders_lexer():
    """A beat of 100 Chinese characters (300 bytes) held as a scene's opening stopped llama.cpp's LLGuidance
    ("too many expressions constructed") and the run at its script: openings are cut by bytes, after a clause."""
    from agents.handed import opening_of

    beat = "小镇理发店的哑巴教师，目睹了镇长兒子子的车禍; 小镇理发店的哑巴學生，目睹了镇長兒子子的肇事逃逸. " * 2
    opening = opening_of(beat)
    assert (
        len(opening.encode()) <= 120 and opening == "小镇理发店的哑巴教师，目睹了镇长兒子子的车禍; 小镇理发店的哑巴學生"
    )
    english = "A retired boxer agrees to train the son of the man he killed in the ring, and the boy wants revenge"
    assert opening_of(english) == english  # 98 bytes: whole


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_runs_of_the_prompts_words_are_copies(lang):
    """A small model copies its persona into a character's look and its examples' stock phrases into an
    audience: a run of the prompt's words (6 English words, 8 Chinese characters) is a copy, unless the
    series' own text holds it."""
    from agents.copying import copied_phrases

    prompts = load_prompts("screenwriter", lang)
    persona = prompts.persona.split("\n")[0]
    audience = prompts.tasks["pitch"].examples[0].output["target_audience"]
    for copied in (persona, audience):
        assert copied_phrases(f"Look: {copied}", "screenwriter", lang)
        assert copied_phrases(copied, "screenwriter", lang, own=copied) == []  # the writer's own words
    fresh = (
        "A retired boxer agrees to train the son of the man he killed in the ring"
        if lang == "en"
        else "八十年代的纺织厂女工在工厂倒闭前夜发现厂长的秘密账本"
    )
    assert copied_phrases(fresh, "screenwriter", lang) == []


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), lang=st.sampled_from(["en", "zh"]))
def test_nothing_the_series_says_itself_is_a_copy(text, lang):
    from agents.copying import copied_phrases

    assert copied_phrases(text, "screenwriter", lang, own=text) == []


def test_a_word_of_another_kind_calls_for_no_place():
    """A rodeo queen is no queen of a palace; a Hong Kong gangster's 卧底 is undercover, not a wartime spy's."""
    assert "Throne room" not in places_of("A Texas rodeo queen inherits a ranch", "en")
    assert "Throne room" in places_of("A Texas queen inherits a ranch", "en")
    assert "秘密联络站" not in places_of("港风九十年代，一个古惑仔为了救妹妹去当卧底", "zh")
    assert "秘密联络站" in places_of("港风九十年代，一个古惑仔为了救妹妹去当间谍", "zh")
    assert "Safe house" not in places_of("A bootlegger's bookkeeper falls for the Prohibition agent", "en")
    assert "Safe house" in places_of("A bootlegger's bookkeeper falls for the double agent", "en")
    assert "Village church" not in places_of("An Aztec priestess hides a soldier in her temple", "en")
    assert "Village church" in places_of("A village priest hides a soldier", "en")
    assert "Hospital night ward" not in places_of("A ship's surgeon on a whaling voyage", "en")
    assert "Hospital night ward" in places_of("A surgeon on a night shift", "en")
    magician = places_of("A retired magician in Las Vegas is accused of making his assistant disappear", "en")
    assert "Magic show stage" in magician and "Wizard tower study" not in magician
    assert "Wizard tower study" in places_of("A court magician in a mythical kingdom loves a witch", "en")
    assert "集团会议室" not in places_of("八零年代东北的澡堂老板娘，替被冤枉的儿子翻案", "zh")
    assert "集团会议室" in places_of("八零年代东北的澡堂老板，替被冤枉的儿子翻案", "zh")
    cook = "A Mumbai street-food vendor wins a televised cooking contest and learns the judges rigged it for her"
    assert "Courtroom" not in places_of(cook, "en")
    assert "Courtroom" in places_of("A Mumbai street-food vendor learns the judge rigged her trial", "en")
    assert "宗门山门" not in places_of("魔尊转世成了豪门上门女婿，被丈母娘天天刁难", "zh")
    assert "宗门山门" in places_of("魔尊转世成了宗门弟子，被师尊天天刁难", "zh")


@pytest.mark.parametrize(
    "premise, city",
    [
        ("In 1890s Vienna, a psychoanalyst's housemaid solves the murders his patients confess to", "Berlin"),
        ("A widow in Lyon hears her husband's voice on the radio", "Paris"),
        ("A taxi driver in Saint Petersburg finds a diamond in his cab", "Moscow"),
        ("A Cajun fisherman in the Louisiana bayou hides a witness", "French Quarter"),
    ],
)
def test_a_premise_in_one_city_is_handed_no_place_of_another(premise, city):
    """A culture's places name none of its cities: the 270M model set a Vienna series at the one place it was
    handed that named a city, a Berlin stairwell."""
    assert not any(city in place for place in places_of(premise, "en"))


def test_places_come_in_the_order_the_premise_says_them():
    """The grassland the premise opens on comes before the company it ends on; the same words in the other order
    put the boardroom first."""
    grass = places_of("内蒙古草原上的女牧民，拒绝把草场卖给矿业公司", "zh")
    assert grass.index("草原牧场") < grass.index("集团会议室") if "集团会议室" in grass else "草原牧场" in grass
    office = places_of("矿业公司的女老板，要买下草原上的牧场", "zh")
    assert office.index("集团会议室") < office.index("草原牧场")


@settings(max_examples=200, deadline=None)
@given(premise=st.text(max_size=200), lang=st.sampled_from(["en", "zh"]))
def test_any_premise_gives_a_title_pattern_a_title_of_its_words_fits(premise, lang):
    """Whatever a writer types, the series title's pattern is short enough for a decoder's lexer, and a title of
    any word of the premise it names (in Chinese: two characters of it) fits it, capitalised, in the pitch's
    schema."""
    from agents.screenwriter import Pitch, patterned

    pattern = titles_naming(premise, lang)
    assert len(pattern.encode()) <= 320
    schema = patterned(Pitch, "title", pattern)
    words = title_words(premise, lang)
    assert bool(words) is (pattern != TITLES[lang])
    for word in words:
        assert schema.model_validate({**_PITCH, "logline": "l", "title": word}).title == word
        assert word in premise or word[:1].lower() + word[1:] in premise
