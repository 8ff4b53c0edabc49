"""A Chinese character is one wherever the room reads Chinese: a name may be written in extension A (㛃) or in a
compatibility ideograph, and it is as Chinese to a line's length, a title or a named cast as 山 is."""

from __future__ import annotations

import pytest

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
