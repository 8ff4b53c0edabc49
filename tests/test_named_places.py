"""The places a premise names itself come first among the places a small model is handed."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from agents.handed import era_of, places_of, setting_of
from agents.named_places import named_places
from agents.roles import ARTIFACTS
from agents.screenwriter import _bible_held_to_setting
from agents.structured import closed_schema


@pytest.mark.parametrize(
    "lang, premise, places",
    [
        ("zh", "顶流男星被迫回老家继承养猪场", ("老家", "养猪场")),
        ("zh", "九十年代的县城录像厅老板，发现失踪的妹妹出现在一盘录像带里", ("县城", "录像厅")),
        ("zh", "唐朝长安，一名女仵作与大理寺少卿联手破解连环命案", ("大理寺",)),
        ("zh", "八十年代的纺织厂女工，在工厂倒闭前夜发现厂长的秘密账本", ("纺织厂", "工厂")),
        ("zh", "清末广州十三行，账房先生的女儿女扮男装进洋行当学徒", ("十三行", "账房", "洋行")),
        (
            "en",
            "An Antarctic weather station's cook suspects the new scientist is an impostor",
            ("Antarctic weather station",),
        ),
        ("en", "A farmer's widow runs the old mill in a Welsh mining village", ("Old mill", "Welsh mining village")),
        ("en", "A night-shift nurse discovers the hospital's new owner is her twin", ("Hospital",)),
        ("en", "In 1940s Lisbon, a hotel maid passes secrets between two spies", ("Hotel",)),
        # a town keeps its region; a whole building, a palace maid and a court's prison are no place of it (stop 39)
        ("zh", "东北小镇的烧烤店老板娘，发现失踪二十年的丈夫成了首富", ("东北小镇", "烧烤店")),
        ("zh", "边境小城的女警，追查一起跨国拐卖案", ("边境小城",)),
        ("zh", "东北林场的女护林员，在雪夜救下了一个被追杀的少年", ("东北林场",)),
        ("zh", "一个陕北窑洞里长大的女孩，考上了北京的音乐学院", ("窑洞", "音乐学院")),
        ("zh", "上海弄堂里的裁缝铺老板娘，收留了一个落魄的钢琴家", ("上海弄堂", "裁缝铺")),
        ("zh", "一个考古学家在西夏王陵发现了自己的名字", ("西夏王陵",)),
        ("zh", "清末留洋归来的女医生，在天津租界开了第一家西医诊所", ("租界", "西医诊所")),
        ("zh", "她无所谓地走进了研究所", ("研究所",)),  # 所 ends a place, not 所谓
        ("en", "A stowaway on a 1700s pirate ship turns out to be the governor's daughter", ("Pirate ship",)),
        # a city before a place word keeps its first character (澳门赌场, not 门赌场); places named at last (stop 40)
        ("zh", "澳门赌场的女荷官，被迫帮老板出千", ("澳门赌场",)),
        ("zh", "台湾眷村长大的女孩，回大陆寻找外公的坟", ("眷村",)),
        ("zh", "北魏洛阳，一个胡商之女在佛寺里藏了一尊金像", ("佛寺",)),
        ("zh", "月老殿里打杂的小仙女，把两根红线系错了", ("月老殿",)),
        ("zh", "太子殿下在宫殿下面等她", ()),  # 殿下 is a title, not a hall
        ("zh", "末日丧尸爆发后，一个外卖员保护全楼的居民", ()),
        ("zh", "清朝宫女被指认毒害皇子，她在慎刑司自证清白", ()),
        # premises of stop 43's bench: whose a place is (国营), a one-character place (钢厂), a parlour
        ("zh", "八十年代东北国营钢厂，一个女工被诬陷偷了厂里的铜线", ("东北国营钢厂",)),
        ("zh", "国营饭店的服务员", ("国营饭店",)),
        ("zh", "她经营一家小店", ()),  # 营 of 经营 ends no place
        ("zh", "修仙门派里的废柴外门弟子，在后山捡到了一把住着剑灵的断剑", ("门派", "后山")),
        (
            "en",
            "A burned-out stand-up comedian inherits her grandmother's funeral parlour in Glasgow",
            ("Funeral parlour",),
        ),
    ],
)
def test_the_places_a_premise_names_are_found_as_it_writes_them(lang, premise, places):
    assert named_places(premise, lang) == places
    assert places_of(premise, lang)[: len(places)] == places  # before the places of its words and its culture


@pytest.mark.parametrize(
    "lang, premise",
    [
        ("zh", "她进行了一场旅行"),  # 行 and 场 that are no place
        ("zh", "清朝末年，一个戏班花旦被卷入宫廷的夺嫡之争"),  # 宫廷 is the court, not a 宫
        ("zh", "在工厂倒闭前夜发现厂长的秘密"),  # 厂长 is a person
        ("zh", "重生回到高考前一天的女孩，决定不再替继妹顶罪"),
        ("zh", "他把所有的钱都存在了所里"),
        ("en", "A retired boxer agrees to train the son of the man he killed"),
        ("en", "A grumpy wedding photographer keeps getting hired by the same runaway bride"),
    ],
)
def test_words_that_name_no_place_give_none(lang, premise):
    assert not {"场旅行", "卷入宫", "发现厂", "一场"} & set(named_places(premise, lang))
    assert all(len(p) >= 2 for p in named_places(premise, lang))
    if premise in ("重生回到高考前一天的女孩，决定不再替继妹顶罪",) or lang == "en":
        assert named_places(premise, lang) == ()


def test_a_city_after_the_time_is_where_a_culture_without_one_is_set():
    assert era_of("In 1940s Lisbon, a hotel maid passes secrets between two spies", "en") == "1940s, Lisbon"
    assert era_of("Lost In Translation", "en") == "present-day"  # a title's capitals name no place
    assert era_of("A Ghanaian chef in London wins a cooking show", "en") == "present-day, London"
    assert era_of("A nurse in Mark's flat finds a diary", "en") == "present-day"
    assert era_of("清末广州十三行，账房先生的女儿女扮男装进洋行当学徒", "zh") == "清末，广州"


@settings(max_examples=300, deadline=None)
@given(
    premise=st.one_of(
        st.text(max_size=120),
        st.text(alphabet="养猪场厂长宫廷行旅一的在回老家录像厅大理寺 ,，'s", max_size=60),
        st.lists(st.sampled_from(["the", "old", "mill", "hotel's", "Weather", "station", "in", "a", ","])).map(
            " ".join
        ),
    ),
    lang=st.sampled_from(["en", "zh"]),
)
def test_any_premise_gives_at_most_three_places_each_its_own_words(premise, lang):
    places = named_places(premise, lang)
    assert len(places) <= 3 and len(set(places)) == len(places)
    for place in places:
        if lang == "zh":
            assert place in premise
        else:
            assert all(word.casefold() in premise.casefold() for word in place.split())
    assert named_places(premise, lang) == places


def _bible(setting, locations):
    told = dict.fromkeys(("want", "need", "secret", "speech_style", "visual_description", "voice"), "x")
    return {
        "characters": [
            {"name": name, "age": 30, "role": roles[0], **told} for name, roles in zip(setting.names[:3], setting.roles)
        ],
        "locations": [{"name": name, "description": "d"} for name in locations],
        "world": {"era": setting.era, "rules": [setting.opening]},
        "tone": "t",
        "visual_style": "v",
    }


def test_a_small_models_bible_opens_its_locations_with_the_places_the_premise_names():
    setting = setting_of("顶流男星被迫回老家继承养猪场", "zh")
    assert setting.places[:2] == ("老家", "养猪场")
    schema = ARTIFACTS["bible"].schema_for(1, 0, *_bible_held_to_setting({}, True, setting, 0))
    firsts = list(setting.places[:3])
    for written in (firsts, [*firsts, setting.places[4]]):  # and perhaps another of the handed places
        kept = schema.model_validate(_bible(setting, written))
        assert [place.name for place in kept.locations] == written
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pydantic warns when a value no longer fits its field's type
            assert [p["name"] for p in kept.model_dump(mode="json")["locations"]] == written
    for other in (
        [setting.places[3]],  # the banquet hall alone
        ["养猪场", "老家", setting.places[2]],  # not in the premise's order
        firsts[:2],  # a place of three left out (the 270M model's bibles kept one)
    ):
        with pytest.raises(ValidationError):
            schema.model_validate(_bible(setting, other))
    locations = closed_schema(schema)["properties"]["locations"]
    assert [len(a["prefixItems"]) for a in locations["anyOf"]] == [3, 4]


def test_a_premise_that_names_no_place_opens_its_bible_on_the_places_its_words_call_for():
    setting = setting_of("重生回到高考前一天的女孩，决定不再替继妹顶罪", "zh")
    assert named_places("重生回到高考前一天的女孩，决定不再替继妹顶罪", "zh") == ()
    schema = ARTIFACTS["bible"].schema_for(1, 0, *_bible_held_to_setting({}, True, setting, 0))
    kept = schema.model_validate(_bible(setting, list(setting.places[:3])))
    assert [place.name for place in kept.locations] == list(setting.places[:3])
    with pytest.raises(ValidationError):
        schema.model_validate(_bible(setting, [setting.places[-1]]))
