"""A Chinese character is one wherever the room reads Chinese: a name may be written in extension A (㛃) or in a
compatibility ideograph, and it is as Chinese to a line's length, a title or a named cast as 山 is."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

RARE = ("\u36c3", "\uf92c")  # 㛃 in extension A; 郎 as the compatibility ideograph U+F92C


@pytest.mark.parametrize("rare", RARE)
def test_a_rare_character_is_read_as_chinese(rare):
    from agents.copying import title_of
    from agents.editor import speaking_seconds
    from agents.han import han
    from agents.handed import named_in
    from agents.screenwriter import restates

    assert han(f"a{rare}b山") == f"{rare}山"
    assert speaking_seconds(f"{rare}山") == speaking_seconds("水山") == 0.5
    assert title_of(f"{rare}娘的茶园，一个茶商之女", "zh") == f"{rare}娘的茶园"
    assert named_in(f"茶商之女名叫{rare}云，要保住茶园") == [f"{rare}云"]
    assert restates(f"茶商之女{rare}云", f"茶商之女{rare}云") and not restates(f"{rare}云", "茶商之女")


@pytest.mark.parametrize(
    "text, start, place",
    [
        ("九十年代深圳，一个打工妹", 4, "深圳"),
        ("上海弄堂里的裁缝铺老板娘", 0, "上海"),
        ("敦煌莫高窟的女画工", 0, "敦煌莫高窟"),  # place words in a row are one place
        ("2008年的北京，一个奥运志愿者", 4, "北京"),  # past the time's 年 and 的
        ("清末留洋归来的女医生", 2, ""),  # a verb follows: 留洋 is done, not a place
        ("魔尊转世成了豪门上门女婿", 0, ""),  # a place word later on is not where the story opens
        ("", 0, ""),
    ],
)
def test_the_place_a_premise_opens_on(text, start, place):
    from agents.han import place_opening

    assert place_opening(text, start) == place


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(alphabet="上海北京深圳重庆的在一个年代时期留洋归来女医生，, a", max_size=30), start=st.integers(0, 30)
)
def test_any_place_opening_is_some_of_the_text_after_its_start(text, start):
    from agents.han import place_opening

    place = place_opening(text, start)
    assert place == "" or place in text[start:]
