"""Names handed to a small model for its cast: right for the premise's culture, never an example's."""

from __future__ import annotations

import json

import pytest
from agents.base import load_prompts
from agents.cast_names import _cultures, cast_names, culture_of


@pytest.mark.parametrize("lang, premise, culture", [
    ("en", "A night-shift nurse discovers the hospital's new owner is her twin", "anglo"),
    ("en", "In 1920s Chicago, a jazz singer falls for a detective", "american_1920s"),
    ("en", "A wedding planner in Mumbai plans her ex's wedding", "indian"),
    ("en", "On a Scottish island in 1890, a lighthouse keeper's daughter finds letters", "scottish"),
    ("en", "A Victorian governess hears the children sing at night", "victorian"),
    ("en", "In 1851 a mill girl inherits the mill", "victorian"),
    ("en", "An apprentice wizard swaps bodies with the dragon queen", "fantasy"),
    ("en", "A Seoul chaebol heir hides as a delivery rider", "korean"),
    ("zh", "民国上海，一个女裁缝发现未婚夫是凶手", "zh_republic"),
    ("zh", "唐朝长安，一名女仵作破解连环命案", "zh_ancient"),
    ("zh", "外卖小哥意外继承了一座修仙门派", "zh_ancient"),
    ("zh", "重生回到高考前一天的女孩", "zh_modern"),
])
def test_the_culture_is_the_premises(lang, premise, culture):
    assert culture_of(premise, lang)["name"] == culture
    names = cast_names(premise, lang)
    assert len(names) == len(set(names)) == 6
    assert cast_names(premise, lang) == names  # the same premise, the same cast


def test_names_the_premise_gives_come_first():
    assert cast_names("A nurse named Rosa Diaz finds her twin", "en")[0] == "Rosa Diaz"
    assert cast_names("一个名叫林小满的女孩重生了", "zh")[0] == "林小满"


def _example_names(lang: str) -> set[str]:
    found: set[str] = set()
    for role in ("screenwriter", "director", "art_director", "cultural_consultant", "editor"):
        for task in load_prompts(role, lang)["tasks"].values():
            for example in task.get("examples", []):
                found |= set(_names(example["output"]))
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


def test_a_small_models_bible_is_named_from_its_cast(make_ctx):
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    values = {"premise": "In 1920s Chicago, a jazz singer falls for a detective", "lang": "en", "episodes": 2}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    doc = json.dumps(owner_schema(ARTIFACTS["bible"], values, make_ctx(), small).model_json_schema())
    assert all(name in doc for name in cast_names(values["premise"], "en"))
    schema = owner_schema(ARTIFACTS["bible"], values, make_ctx(), small)
    with pytest.raises(ValueError):
        schema.model_validate({**_bible(), "characters": [{**_bible()["characters"][0], "name": "Claire Dunn"}]})
    large = RoomModel(chat=None, spec="openai:x")
    assert owner_schema(ARTIFACTS["bible"], values, make_ctx(), large) is ARTIFACTS["bible"].schema


def _bible() -> dict:
    import factories as f

    return f.bible()
