"""The cultural consultant's lexicon rules (agents/era_lexicon.yaml) and its planted-error corpus (bench/cultural.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from agents.critique import Issue
from agents.cultural_consultant import KINDS, _lexicon, check, era_issues, era_year

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cultural  # noqa: E402


def test_the_lexicon_alone_meets_the_target_on_the_development_half():
    recall, false_alarms = cultural.rates(cultural.measure(cultural.load("development"), cultural.lexicon_review))
    assert recall >= 0.9
    assert false_alarms <= 0.1


def test_the_corpus_parts_are_big_enough_and_a_third_clean():
    halves = [cultural.load(split) for split in cultural.SPLITS]
    assert sum(map(len, halves)) >= 60
    for scenes in halves:
        assert {s["lang"] for s in scenes} == {"en", "zh"}
        assert sum(not s.get("errors") for s in scenes) >= len(scenes) / 3
    ids = [s["id"] for scenes in halves for s in scenes]
    assert len(ids) == len(set(ids))


# (kind, lang, era it breaks, text, the word, an era it fits or None)
CASES = [
    ("objects", "en", "Tang dynasty", "The maid checks her smartphone.", "smartphone", "present-day Shanghai"),
    ("objects", "zh", "宋朝", "厨娘往锅里撒了一把辣椒。", "辣椒", "现代都市"),
    ("titles", "en", "Tang dynasty", "The CEO of the guild bows.", "CEO", "modern Seoul"),
    ("titles", "zh", "唐朝", "总裁站在宫门外。", "总裁", "当代"),
    ("titles", "zh", "现代都市", "公司的太监去准备年会。", "太监", "明朝"),  # until: it had ended
    ("titles", "en", "present-day London", "The eunuchs guard the boardroom.", "eunuchs", "Ming dynasty"),
    ("currency", "en", "medieval England", "He pays three euros.", "euros", "present-day Paris"),
    ("currency", "zh", "清朝", "他掏出一叠人民币。", "人民币", "八十年代"),
    ("currency", "en", "Victorian London", "He counts out twenty dollars.", "dollars", "wild west"),  # place
    ("currency", "zh", "大清", "他掏出一叠美元。", "美元", None),
    ("currency", "en", "present-day Manchester", "She pays in shillings.", "shillings", "Victorian London"),
    ("idioms", "en", "Regency England", "'Awesome,' says Mr. Bingley.", "Awesome", "1990s"),
    ("idioms", "zh", "宋朝", "丫鬟说：“小姐，您这是在内卷吧？”", "内卷", "现代都市"),
    ("idioms", "zh", "清朝", "贝勒爷拍手：“OK，赏！”", "OK", "1990s"),  # English beside Chinese
    ("customs", "en", "Regency London", "The duchess rings for afternoon tea.", "afternoon tea", "Victorian London"),
    ("customs", "zh", "唐朝", "今天是情人节。", "情人节", "现代都市"),
    ("customs", "zh", "民国上海，1925年", "少爷要进京参加科举。", "科举", "明朝"),
    ("customs", "en", "1930s Shanghai", "He sits the imperial examination.", "imperial examination", "Ming dynasty"),
    ("platform", "en", "present-day Chicago", "She orders a Starbucks latte.", "Starbucks", None),
    ("platform", "zh", "现代都市", "男主骂道：“操你妈的，滚。”", "操你妈", None),
]


@pytest.mark.parametrize("kind, lang, era, text, word, fits", CASES)
def test_each_kind_of_rule_is_caught_in_its_language(kind, lang, era, text, word, fits):
    assert any(word.casefold() in map(str.casefold, r["words"]) for r in _lexicon()[kind])
    issues = era_issues([text], era, lang)
    assert len(issues) == 1
    assert word.casefold() in issues[0].quote.casefold()
    assert ("“" in issues[0].problem) == (lang == "zh")  # the zh wording for zh, the en wording for en
    if fits:
        assert era_issues([text], fits, lang) == []


def test_every_kind_is_tested_in_both_languages():
    assert {(kind, lang) for kind, lang, *_ in CASES} == {(kind, lang) for kind in KINDS for lang in ("en", "zh")}


def test_platform_rules_hold_in_any_era_and_with_none():
    assert len(check("script", {"action": "He shouts, 'Fuck off!'"}, "", "en")) == 1
    assert check("script", {"action": "He shouts, 'Get off!'"}, "", "en") == []


def test_a_word_inside_a_longer_fine_word_is_not_flagged():
    assert era_issues(["小二举手表示知道了。"], "宋朝", "zh") == []
    assert len(era_issues(["小二看了看手表。"], "宋朝", "zh")) == 1
    assert era_issues(["He reads his mail and books a room."], "Victorian London") == []  # not e-mail, not OK


def test_one_place_is_reported_once():
    issues = era_issues(["宫女在刷手机。"], "唐朝", "zh")
    assert len(issues) == 1  # 刷手机, not again 手机 inside it


def test_era_words_hyphenated_or_added_name_their_era():
    assert era_year("Edo-period Kyoto") == 1800
    assert era_year("Joseon-era Hanyang") == 1550
    assert era_year("东汉洛阳") == 200
    assert era_year("五十年代，北京") == 1975
    assert era_year("1940s Lisbon") == 1949


def test_the_lexicon_is_well_formed():
    lexicon = _lexicon()
    for kind in KINDS:
        for rule in lexicon[kind]:
            assert rule["words"] and all(isinstance(w, str) for w in rule["words"]), rule
            limits = {"since", "until", "regions"} & rule.keys()
            assert limits or rule.get("message") in lexicon["messages"], rule
            for message in limits or {rule["message"]}:
                assert {"en", "zh"} <= lexicon["messages"][message].keys()


@settings(max_examples=200, deadline=None)
@given(
    artifact=st.recursive(
        st.text(), lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3)
    ),
    era=st.text() | st.sampled_from(["唐朝长安", "Regency London", "present-day", "1890", "Edo-period"]),
    lang=st.sampled_from(["en", "zh"]),
)
def test_check_accepts_any_text_and_era(artifact, era, lang):
    issues = check("script", artifact, era, lang)
    assert all(isinstance(issue, Issue) for issue in issues)


def test_a_broken_corpus_file_is_a_clear_error(tmp_path, monkeypatch):
    (tmp_path / "development.yaml").write_text("scenes:\n  - {id: x1, lang: en, era: Tang}\n", encoding="utf-8")
    monkeypatch.setattr(cultural, "CORPUS", tmp_path)
    with pytest.raises(cultural.CorpusError, match="x1 needs id, lang, era, text"):
        cultural.load("development")
    with pytest.raises(cultural.CorpusError, match="not a corpus"):
        cultural.load("heldout")
