"""The cultural consultant's deterministic era check."""

from __future__ import annotations

import pytest

from agents.cultural_consultant import check, era_issues, era_year


@pytest.mark.parametrize(
    "era, year",
    [
        ("Tang dynasty Chang'an", 800),
        ("唐朝长安", 800),
        ("北宋汴京", 1200),
        ("民国上海", 1935),
        ("present-day Shanghai", 2030),
        ("现代都市", 2030),
        ("somewhere else", None),
    ],
)
def test_era_year(era, year):
    assert era_year(era) == year


def test_phone_in_a_tang_palace_is_critical_and_quoted():
    issues = era_issues(["The maid bows. She pulls out a phone to check the time! Then she runs."], "Tang dynasty")
    assert len(issues) == 1
    assert issues[0].severity == "critical"
    assert issues[0].quote == "She pulls out a phone to check the time!"
    assert "1876" in issues[0].problem


def test_chinese_text_and_chinese_messages():
    issues = era_issues(["宫女掏出手机看了一眼。"], "唐朝长安", "zh")
    assert [i.quote for i in issues] == ["宫女掏出手机看了一眼。"]
    assert "唐朝长安" in issues[0].problem


def test_what_the_era_allows_is_not_flagged():
    assert era_issues(["He answers the telephone and takes a train."], "1930s Shanghai") == []
    assert len(era_issues(["She uses a smartphone on the train."], "1930s Shanghai")) == 1
    assert era_issues(["She uses a smartphone."], "present-day Shanghai") == []
    assert era_issues(["a carpet and a scarf"], "Tang dynasty") == []  # 'car' only as a word


def test_check_walks_every_string_of_an_artifact():
    bible = {"characters": [{"name": "A", "visual_description": "holds a laptop"}], "world": {"era": "Song dynasty"}}
    issues = check("bible", bible, "Song dynasty", "en")
    assert [i.quote for i in issues] == ["holds a laptop"]
    assert check("bible", bible, "", "en") == []
