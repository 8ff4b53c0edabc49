"""What a model copies word for word from its prompt is taken out, and it is shown examples from its own world."""

from __future__ import annotations

import re

import opencc
import pytest
from hypothesis import HealthCheck, example, given, settings, strategies as st

import factories as f
from agents.copying import (
    copied_names,
    copied_phrases,
    example_names,
    example_titles,
    folded,
    plain,
    scrub,
    title_of,
    uncopied,
)
from agents.examples import shown
from agents.han import CLAUSE_END
from agents.markup import is_key, unmarked
from agents.prompt_file import load_prompts
from agents.screenwriter import TITLES, Bible, EpisodeScript, Pitch, SeriesOutline, outline_of
from graphs.runs import Runs

SONG = "北宋汴京，一个卖饼的小娘子意外捡到了皇子的玉佩"


def _scrub(answer, lang, premise, own=""):
    return scrub(answer, "screenwriter", lang, f"{premise}\n{own}", lambda path: plain(path, lang, premise))


def test_a_pitch_that_copies_the_rebirth_example_keeps_only_its_own_words():
    copied = Pitch(
        title="卖饼娘子",
        logline=f"{SONG}。",
        genre="现代 重生复仇",
        tropes=["重生", "真假千金", "玉佩"],
        hook="被推下天台的千金猛然惊醒，日历上写着：订婚宴，明天。",
        target_audience="18到40岁爱看复仇爽剧的女性观众，通勤和睡前刷剧",
    )
    clean, changed = _scrub(copied, "zh", SONG)
    assert sorted(changed) == ["genre", "hook", "target_audience", "tropes.1"]
    assert clean.hook == SONG and clean.genre == "短剧" and clean.target_audience == "爱看竖屏短剧的观众"
    assert clean.tropes == ["重生", "玉佩"]  # too short to tell a copy from a common word: they stay
    assert (clean.title, clean.logline) == (copied.title, copied.logline)


def test_what_the_series_itself_says_is_not_taken_out():
    premise = "豪门千金被推下天台，重生回到订婚宴前一天"
    own = Pitch(
        title="天台之后",
        logline=premise,
        genre="现代 重生复仇",
        tropes=["真假千金"],
        hook="被推下天台的千金猛然惊醒，日历上写着：订婚宴，明天。",
        target_audience="女性观众",
    )
    # the writer's approved bible says the genre and the trope, and the premise holds the hook's words
    clean, changed = _scrub(own, "zh", premise, own="类型：现代 重生复仇；真假千金")
    assert changed == ["hook"]  # only the part of the hook the premise does not hold
    clean, changed = _scrub(own, "zh", premise, own="类型：现代 重生复仇；真假千金；" + own.hook)
    assert changed == [] and clean == own


def test_a_copied_dialogue_line_is_not_said_rather_than_said_as_the_premise():
    script = EpisodeScript.model_validate(f.script())
    line = load_prompts("screenwriter", "en").tasks["script"].examples[0].output["scenes"][0]["lines"][0]["text"]
    data = script.model_dump(mode="json")
    data["scenes"][0]["lines"][0]["text"] = line
    clean, changed = _scrub(EpisodeScript.model_validate(data), "en", "A lighthouse keeper hears a drowned voice")
    assert changed == ["scenes.0.lines.0"]
    assert [ln.text for ln in clean.scenes[0].lines] == [ln.text for ln in script.scenes[0].lines][1:]


def test_a_small_models_script_loses_its_examples_lines_though_its_checks_changed_it(make_ctx):
    """The 270M model's third version of a script said its example's lines word for word ("姐姐做噩梦了？喝杯热牛奶
    吧。"), and its checks had left a later scene's action empty, so the script no longer fit the schema it was
    written in (each scene opens with its beat): judged by the whole schema, no mend fit, and the lines stayed."""
    from agents.models import SMALL_MODEL_LIMITS, RoomModel
    from agents.roles import ARTIFACTS
    from graphs.negotiation import owner_schema

    premise = "县城相亲失败三十次的女老师，被迫和死对头假扮情侣回家过年"
    example = load_prompts("screenwriter", "zh").tasks["script"].examples[0].output
    copied = ["姐姐做噩梦了？喝杯热牛奶吧。", "我、我不渴……"]  # as the 270M model wrote them
    assert set(copied) <= {line["text"] for scene in example["scenes"] for line in scene["lines"]}
    outline = f.outline(1)
    episode = outline["episodes"][0]
    episode.update(title="假扮情侣", hook=premise, beats=[{"description": "她在相亲宴上撞见死对头。", "intensity": 5}])
    bible = f.bible()
    values = {"premise": premise, "lang": "zh", "episodes": 1, "episode": 1}
    values["artifacts"] = {"bible": bible, "outline": outline}
    small = RoomModel(chat=None, spec="embedded:x", schema_limits=SMALL_MODEL_LIMITS)
    schema = owner_schema(ARTIFACTS["script"], values, make_ctx(), small)
    one, two = (c["name"] for c in bible["characters"][:2])
    place = bible["locations"][0]["name"]
    scene = {"number": 1, "heading": f"INT. {place.upper()} - NIGHT", "location": place, "time_of_day": "NIGHT"}

    def said(speaker: str, text: str) -> dict:
        return {"speaker": speaker, "text": text, "emotion": "平静", "parenthetical": ""}

    written = {
        "number": 1,
        "title": "假扮情侣",
        "scenes": [
            {
                **scene,
                "action": premise + "。",
                "lines": [said(one, copied[0]), said(two, "过年你得跟我回家。"), said(one, copied[1])],
            },
            # the beat, then the opening again: its own check leaves the action empty
            {**scene, "action": "她在相亲宴上撞见死对头。", "lines": [said(two, "成交。")]},
        ],
    }
    answer = schema.model_validate(written)
    answer.scenes[1].action = ""  # as `_acting_on` leaves an action that only says the opening again
    with pytest.raises(ValueError):
        schema.model_validate(answer.model_dump(mode="json"))  # the script no longer fits its schema
    clean, changed = _scrub(answer, "zh", premise)
    assert sorted(changed) == ["scenes.0.lines.0", "scenes.0.lines.2"]
    assert [ln.text for ln in clean.scenes[0].lines] == ["过年你得跟我回家。"]
    assert [ln.text for ln in clean.scenes[1].lines] == ["成交。"] and clean.scenes[1].action == ""


def test_the_room_takes_out_a_copied_hook_and_says_so(script, make_ctx):
    hook = load_prompts("screenwriter", "en").tasks["pitch"].examples[0].output["hook"]
    script.enqueue("screenwriter", {**f.pitch(), "hook": hook})
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx())
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    seen = list(events)
    assert runs.view(run_id).waiting["content"]["hook"] == "A disowned heiress returns as a CEO"
    said = [e for e in seen if e["type"] == "scrubbed"]
    assert said == [{"type": "scrubbed", "role": "screenwriter", "artifact": "pitch", "fields": ["hook"]}]


def test_an_answer_of_its_own_is_left_as_it_is(script, make_ctx):
    script.enqueue("screenwriter", f.pitch())
    script.enqueue("cultural_consultant", f.approve())
    script.enqueue("director", f.approve())
    runs = Runs(make_ctx())
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    assert not [e for e in events if e["type"] == "scrubbed"]
    assert runs.view(run_id).waiting["content"] == f.pitch()


@pytest.mark.parametrize(
    "lang, premise, world",
    [
        ("zh", SONG, "古代"),
        ("zh", "清朝末年，一个绣娘被卷进宫廷秘案", "古代"),
        ("zh", "2049年的上海，一个送外卖的机器人爱上了它的顾客", "现代"),
        ("zh", "九十年代东北，下岗女工开起了烧烤摊", "现代"),
        ("zh", "七十年代末的北京胡同，一个返城知青回来找他的初恋", "民国"),  # by the year of the era it names
        ("zh", "隋朝末年，瓦岗寨里的女军师要在两军之间周旋", "古代"),
        ("zh", "民国二十六年的上海滩，一个舞女替地下党传递情报", "民国"),
        ("en", "In 1943 Cairo, a nightclub singer hides a wounded pilot from both armies", "period"),
        ("en", "A knight's squire falls in love with the dragon he was sent to slay", "period"),  # nearer than today
        ("en", "A medieval miller's wife hides a runaway monk", "period"),
        ("en", "A Seoul webtoon artist's villain walks out of her drawings", "today"),
        ("en", "In 2031 Lagos, a drone courier finds a baby in a delivery box", "today"),
    ],
)
def test_a_small_model_is_shown_the_example_from_its_premises_world(lang, premise, world):
    task = load_prompts("screenwriter", lang).tasks["pitch"]
    (example,) = shown(task.examples, {"premise": premise}, 1, lang)
    said = {"古代": "侯府", "现代": "豪门千金", "民国": "民国", "period": "1895", "today": "Manhattan"}[world]
    assert said in example.vars["premise"]
    assert shown(task.examples, {"premise": premise}, None, lang) == list(task.examples)
    assert shown(task.examples, {"premise": premise}, 0, lang) == []


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)
_examples = [
    text
    for lang in ("en", "zh")
    for task in load_prompts("screenwriter", lang).tasks.values()
    for example in task.examples
    if isinstance(example.output, dict)
    for text in (example.output.get("hook"), example.output.get("genre"), example.output.get("target_audience"))
    if text
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lang=st.sampled_from(["en", "zh"]),
    premise=st.text(min_size=1, max_size=80),
    fields=st.lists(st.one_of(_text, st.sampled_from(_examples)), min_size=5, max_size=5),
    tropes=st.lists(st.one_of(_text, st.sampled_from(_examples)), max_size=6),
)
@example(lang="en", premise="0", fields=["1:\x1b", "", "", "", ""], tropes=[])  # markup out, then a cut-off mark
def test_any_pitch_scrubbed_stays_valid_and_keeps_nothing_it_could_mend(lang, premise, fields, tropes):
    title, logline, genre, hook, audience = (t[:80] for t in fields)
    pitch = Pitch(title=title, logline=logline, genre=genre, tropes=tropes, hook=hook, target_audience=audience)
    clean, changed = _scrub(pitch, lang, premise)
    assert Pitch.model_validate(clean.model_dump()) == clean
    for path in (path for path in changed if "." not in path):
        mends = (plain((path,), lang, premise), unmarked(getattr(pitch, path), lang))
        # as the schema keeps each mend: a title ends on no cut-off word or mark ("1:" is kept as "1")
        kept = [getattr(Pitch.model_validate({**pitch.model_dump(), path: mend}), path) for mend in mends]
        assert getattr(clean, path) in kept
    for name in ("genre", "hook", "target_audience"):
        if getattr(pitch, name) == getattr(clean, name):
            assert name not in changed


# ── titles ─────────────────────────────────────────────────────────────


def test_an_episode_titled_as_an_example_is_copied_however_short():
    """Three English series of the 270M model had an episode "Wanted", as a revision example's outline has."""
    written = f.outline(2)
    written["episodes"][0]["title"] = " wanted "
    cook = "An Antarctic weather station's cook suspects the new scientist is an impostor"
    assert "wanted" in copied_names(written, "screenwriter", "en", cook)
    written["episodes"][0]["title"] = "Wanted"
    assert copied_names(written, "screenwriter", "en", 'Call the first episode "Wanted".') == []  # a writer's note
    # a word of the series' own prose is not its title: the Lisbon run's bible said "he wanted Simon Hayes' help"
    assert copied_names(written, "screenwriter", "en", f"{cook}\nHe wanted Simon Hayes' help") == ["Wanted"]
    assert copied_names({"logline": "She is wanted by the police"}, "screenwriter", "en", cook) == []  # prose
    zh = {"episodes": [{"title": "玉佩"}]}
    assert copied_names(zh, "screenwriter", "zh", "顶流男星被迫回老家继承养猪场") == ["玉佩"]
    assert copied_names(zh, "screenwriter", "zh", SONG) == []  # the premise has one
    # what the instruction says goes in a title is no title: a 民国 series of the 270M model was titled 剧名
    assert copied_names({"title": "剧名"}, "screenwriter", "zh", SONG) == ["剧名"]


@pytest.mark.parametrize(
    "lang, premise, copied",
    [
        # the 270M model's titles after "The Laundress of Fifth Avenue" (stops 42 and 43)
        ("en", "A Welsh miner's widow in 1926 leads the strike her husband died breaking", "The Laundress of Widow"),
        ("en", "A deaf chess prodigy in Leningrad, 1970, is pressed by the KGB", "The Laundress of Leningrad"),
        ("en", "A deaf chess prodigy in Leningrad, 1970, is pressed by the KGB", "Leningrad Letters"),
        ("zh", "北宋汴京，一个女仵作验尸时发现宰相府的命案另有真凶", "宰相府少爷"),
    ],
)
def test_a_title_that_says_a_word_of_an_examples_title_is_copied(lang, premise, copied):
    assert copied_names({"title": copied}, "screenwriter", lang, premise) == [copied]
    said = {"en": "The laundress brings her letters", "zh": "少爷"}[lang]  # unless the series' text says it
    assert copied_names({"title": copied}, "screenwriter", lang, f"{premise}\n{said}") == []
    clean, changed = _scrub(Pitch.model_validate({**f.pitch(), "title": copied}), lang, premise)
    assert changed == ["title"] and clean.title == title_of(premise, lang)
    assert (
        copied_names({"title": "The Chess Prodigy" if lang == "en" else "宰相府命案"}, "screenwriter", lang, premise)
        == []
    )


TRADITIONAL = opencc.OpenCC("s2t")


def test_an_example_copied_in_traditional_characters_is_copied():
    """The 270M model titled a 录像厅 series' episode 天台驚醒: the Chinese example's 天台惊醒."""
    written = f.outline(2)
    written["episodes"][0]["title"] = "天台驚醒"
    written["episodes"][1]["title"] = "午夜錄像"
    written["episodes"][1]["hook"] = "蘇晚推開錄像廳的門"
    found = copied_names(written, "screenwriter", "zh", "九十年代的县城录像厅老板，发现失踪的妹妹出现在一盘录像带里")
    assert found == ["天台惊醒", "苏晚"]  # as the example writes them
    clean, changed = _scrub(SeriesOutline.model_validate(written), "zh", SONG)
    assert "episodes.0.title" in changed and clean.episodes[0].title == title_of(SONG, "zh")
    # a premise in traditional characters holds its own names, in either script
    held = "民國十九年，天津，蘇晚在慶和戲園後台撿到一封信"
    assert copied_names({"characters": [{"name": "苏晚"}], "title": "天台驚醒"}, "screenwriter", "zh", held) == [
        "天台惊醒"
    ]


_HAN = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    parts=st.lists(
        st.one_of(
            _HAN, st.sampled_from(sorted(example_names("screenwriter", "zh") | example_titles("screenwriter", "zh")))
        ),
        min_size=1,
        max_size=6,
    ),
    premise=st.sampled_from(
        [SONG, "顶流男星被迫回老家继承养猪场", "民国北平，一个说书人发现自己讲的故事正在一件件变成真"]
    ),
)
def test_what_is_copied_does_not_depend_on_the_script_it_is_written_in(parts, premise):
    """Any Chinese text, examples' names and titles among it, names the same examples in traditional characters."""
    written = {"logline": "，".join(parts), "episodes": [{"title": part} for part in parts]}
    shown = {
        "logline": TRADITIONAL.convert(written["logline"]),
        "episodes": [{"title": TRADITIONAL.convert(p)} for p in parts],
    }
    found = {folded(name) for name in copied_names(written, "screenwriter", "zh", premise)}
    assert {folded(name) for name in copied_names(shown, "screenwriter", "zh", premise)} == found


@pytest.mark.parametrize(
    "lang, premise", [("en", "An Antarctic weather station's cook suspects the new scientist"), ("zh", SONG)]
)
def test_a_title_still_copied_becomes_one_in_the_premises_words(lang, premise):
    written = f.outline(2)
    written["episodes"][1]["title"] = {"en": "Wanted", "zh": "少爷"}[lang]
    written["episodes"][0]["title"] = {"en": "The Long Night", "zh": "长夜"}[lang]
    small = outline_of(2, "", TITLES[lang])
    clean, changed = _scrub(SeriesOutline.model_validate(written), lang, premise)
    assert "episodes.1.title" in changed
    titles = [e.title for e in clean.episodes]
    assert titles == [written["episodes"][0]["title"], title_of(premise, lang)]
    assert titles[1] in premise.title() or titles[1] in premise
    assert small.model_validate(clean.model_dump())  # a small model's schema takes it


FORM_TITLES = {
    "en": ["The story is about a girl", "the Series", "Heroine", "A Revenge Drama"],
    "zh": ["电视剧", "小说", "女主角", "短剧", "古装剧", "甜宠短剧"],  # the last two: a genre's drama (stop 39)
}
NUMBERED = {"en": "Episode 786", "zh": "第一集"}


@pytest.mark.parametrize(
    "lang, premise",
    [("en", "A grumpy wedding photographer keeps getting hired by the same runaway bride"), ("zh", SONG)],
)
def test_a_title_that_names_the_form_and_not_the_story_is_given_the_premises_words(lang, premise):
    """The 270M model titled held-out series 电视剧, 小说, 女主角 and "The story is about a girl", and one of one
    episode "Episode 786": the room titles them from the premise, as it does a copied title, without asking again
    (they copy no example). A title of the story's own, one the series holds as written, or an episode's number as
    an episode's title, stays."""
    own = {"en": "The Runaway Bride", "zh": "卖饼娘子"}[lang]
    for form in FORM_TITLES[lang]:
        assert copied_names({"title": form}, "screenwriter", lang, premise) == []
        pitch = Pitch(title=form, logline=premise, genre="drama", hook="She runs again.", target_audience="everyone")
        clean, changed = _scrub(pitch, lang, premise)
        assert (clean.title, changed) == (title_of(premise, lang), ["title"]), form
        outline = f.outline(2)
        outline["episodes"][0]["title"], outline["episodes"][1]["title"] = own, form
        clean, changed = _scrub(SeriesOutline.model_validate(outline), lang, premise)
        assert [e.title for e in clean.episodes] == [own, title_of(premise, lang)]
        _, changed = _scrub(pitch, lang, premise, own=f"Title: {form}")
        assert changed == []  # the writer's note named it so
    numbered = Pitch(
        title=NUMBERED[lang], logline=premise, genre="drama", hook="She runs again.", target_audience="all"
    )
    assert _scrub(numbered, lang, premise)[0].title == title_of(premise, lang)
    outline = f.outline(2)
    outline["episodes"][1]["title"] = NUMBERED[lang]
    assert _scrub(SeriesOutline.model_validate(outline), lang, premise)[1] == []


@settings(max_examples=200, deadline=None)
@given(lang=st.sampled_from(["en", "zh"]), premise=st.text(max_size=120))
def test_a_title_from_any_premise_is_one_a_small_model_could_write(lang, premise):
    title = title_of(premise, lang)
    assert title == "" or re.fullmatch(TITLES[lang].strip("^$"), title)


# ── the room's markup in what a model writes ─────────────────────────────


@pytest.mark.parametrize(
    "written, meant",
    [  # the first three as the embedded model wrote them, in a scene's action, a beat and a character's look
        ("She runs away, but there were two people {v episode_summary}", "She runs away, but there were two people"),
        (
            "She moves out months before going to work {episode_summary} because of money.",
            "She moves out months before going to work because of money.",
        ),
        ("A tall man (episode_summary (54 - 67), target-audience} in a coat", "A tall man in a coat"),
        ("她推开门 [world_rule · screenwriter · bible v2] 看见了他", "她推开门看见了他"),
        ("- [scene · director · ep01.script v3] He runs to the pier.", "He runs to the pier."),
        ("Her visual_description: a red scarf", "Her: a red scarf"),
        ("[major] director", ""),  # an outline's title, from the issues it was asked to answer
        ("[major] editor</h3> <h3>In this episode, we will see her", "In this episode, we will see her"),
        ("2. [minor] Art director: her coat", "2. her coat"),
        ("secret, speech_style", "secret"),
        ("3/1] My mother said I was a loser.", "My mother said I was a loser."),  # a beat's "[6/10]", recalled
        ("1/3} [scene 4:06-57", ""),
        ("[7/10] She opens the ledger", "She opens the ledger"),
        ('genre”: "', ""),
        ("}},}<start_of_image>", ""),  # the model's own token, after a JSON's ends
        ('The "hook": a slap', "The a slap"),
        ("Daniel is afraid“speech_style” of it", "Daniel is afraid of it"),
        ("街角咖啡店 2. 30 \x1b; time_of_day : 06:37", "街角咖啡店 2. 30; 06:37"),
        # the answer's JSON left in a cliffhanger (a 40-episode outline, and a 3-episode one)
        ("十十三年代的香港》，, {}}, {", "十十三年代的香港"),
        # quotes and titles the answer's JSON cut, in a 40-episode outline's hooks and cliffhangers
        ("新婚”，”", "新婚"),
        ("新婚”。”,”“,“”，，”》，””，””，”，”,”，””，”》，”，””，””，”），””", "新婚。"),
        ("新郎的婚礼”，“wedding party””, 6", "新郎的婚礼，“wedding party”, 6"),
        ("}}} } } { 1.42 million people watched", "1.42 million people watched"),
        ("She ran, {}}, { and fell.", "She ran, and fell."),
        # not markup: a word as one, brackets with words, a version in prose, a name with its dot
        ("female_actor", "female_actor"),
        ("ep01_s1", "ep01_s1"),
        # one of the room's own identifiers as a whole value: a bible's character's secret and look
        ("speech_style", ""),
        ("visual_description", ""),
        ("Meet at 5 (sharp) by the pier.", "Meet at 5 (sharp) by the pier."),
        ("He still runs the v2 firmware (54 units).", "He still runs the v2 firmware (54 units)."),
        ("约翰·史密斯推开门", "约翰·史密斯推开门"),
        ("A well-to-do widow, self-made", "A well-to-do widow, self-made"),
        ("Her target audience: a major director", "Her target audience: a major director"),
        (
            "Open 24/7, the 9/11 memorial, 3/4 of them, at 10/10 speed.",
            "Open 24/7, the 9/11 memorial, 3/4 of them, at 10/10 speed.",
        ),
        ('He said "Stop." She stopped: the scene ends', 'He said "Stop." She stopped: the scene ends'),
        ("He wrote [sic] twice, then [redacted].", "He wrote [sic] twice, then [redacted]."),
        ("他说：“走。”她看了看《红楼梦》（旧书）。", "他说：“走。”她看了看《红楼梦》（旧书）。"),
        ("“……”", "“……”"),
    ],
)
def test_the_rooms_markup_is_taken_out_of_prose(written, meant):
    assert unmarked(written, "en") == meant


_prose = st.lists(st.sampled_from(list("abcvXYZ 0159,.!?张三李四，。") + ["the ", "她 "]), max_size=30).map("".join)
_marks = st.sampled_from(
    [
        " {v episode_summary}",
        " [world_rule · screenwriter · bible v2]",
        " (target-audience)",
        " {visual_description} ",
        " [character · art_director · bible v12] ",
        "（speech_style）",
        " {}}, {",
        " }}} } } {",
    ]
)


@settings(max_examples=300, deadline=None)
@given(before=_prose, mark=_marks, after=_prose, lang=st.sampled_from(["en", "zh"]))
def test_markup_anywhere_in_prose_leaves_the_prose_and_nothing_else(before, mark, after, lang):
    def words(text):  # what is said, however the separators and marks around what went out are tidied
        return re.sub(r"[\W_]", "", text)

    assert unmarked(before + after, lang) in (before + after, (before + after).strip()) or not words(before + after)
    bare = unmarked(before + mark + after, lang)
    said = re.search(r"[^\W_]", before + after)  # punctuation alone, left by markup, says nothing
    assert words(bare) == words(before + after) if said else bare == ""
    assert unmarked(bare, lang) == bare


def test_markup_the_series_itself_has_stays():
    premise = "A hacker who signs her work null_pointer is hired by the bank she robbed"
    assert unmarked("The note is signed null_pointer {v episode_summary}", "en", premise) == (
        "The note is signed null_pointer"
    )
    assert unmarked("The note is signed null_pointer", "en") == "The note is signed"


def test_a_scene_written_with_markup_and_a_want_that_is_the_instructions_are_mended():
    data = f.script()
    data["scenes"][1]["action"] = "She looks down at the city {v episode_summary}"
    clean, changed = _scrub(EpisodeScript.model_validate(data), "en", "A lighthouse keeper hears a drowned voice")
    assert changed == ["scenes.1.action"] and clean.scenes[1].action == "She looks down at the city"
    bible = f.bible()
    bible["characters"][0] |= {
        "name": "温清欢",
        "want": "（想要什么）",
        "need": "真正需要什么",
        "voice": "音高、语速、音色",
    }
    bible["world"]["rules"] = [SONG, "time_of_year:", "玉佩 (world_rule)\x1b", '"Genres",']
    bible["characters"][0]["role"] = "genre"  # a field's value that is one word stays as written
    clean, changed = _scrub(Bible.model_validate(bible), "zh", SONG)
    mended = ["characters.0.need", "characters.0.voice", "characters.0.want", "world.rules.1", "world.rules.2"]
    assert sorted(changed) == [*mended, "world.rules.3"]
    assert clean.characters[0].want == clean.characters[0].need == SONG and clean.characters[0].role == "genre"
    assert clean.world.rules == [SONG, "玉佩"]  # a rule that was only markup, or a field's name, is left out


@pytest.mark.parametrize(
    ("item", "key"),
    [("genre", True), ("Rules", True), ('"tropes",', True), ("speech_style", True), ("tone.", True)]
    + [("revenge", False), ("genre fiction", False), ("玉佩", False), ("", False), ("Ruby", False)],
)
def test_a_list_item_is_a_key_only_when_it_is_a_fields_name(item, key):
    assert is_key(item, "en") is key and is_key(item, "zh") is key


# ── a revision that writes the issues it answers into the artifact ──────

CHECK = (
    '1. [major] director: "She wins the contest and the bakery is hers again." — episode 1\'s cliffhanger opens no question → end on a reveal, a threat '
    "or a question the next episode must answer\n2. [major] editor: The episode has three episodes: A Short Story "
    "on the Topic About Baking Contest Winners"
)


@pytest.mark.parametrize(
    "beat, kept",
    [
        ("the episode's cliffhanger opens no question → end on a reveal, a threat or a que", False),  # seen
        ("the episode has 3 episodes: A Short Story On The Topic About Baking Contest Winners", False),  # seen
        ("She wins the contest and the bakery is hers again.", True),  # what the issue quotes: its own
        ("She wins the contest, then learns her ex-husband bought the network that airs it.", True),
    ],
)
def test_a_revision_that_writes_the_issues_into_the_artifact_loses_them(beat, kept):
    outline = f.outline(1)
    outline["episodes"][0]["beats"].append({"description": beat, "intensity": 9})
    premise = "A small-town baker enters a TV baking contest to win back her bakery"
    before = f.outline(1)
    before["episodes"][0]["cliffhanger"] = "She wins the contest and the bakery is hers again."  # what they quote
    own = f"{premise}\n{before}"
    clean, changed = scrub(
        SeriesOutline.model_validate(outline),
        "screenwriter",
        "en",
        own,
        lambda path: plain(path, "en", premise),
        CHECK,
    )
    beats = [b.description for b in clean.episodes[0].beats]
    assert (beat in beats) is kept and bool(changed) is not kept
    assert beats[:2] == ["she arrives", "the reveal"]  # the rest is as it was
    # without the issues said, nothing of it counts as copied (they are this call's, not the prompt's)
    assert scrub(SeriesOutline.model_validate(outline), "screenwriter", "en", own, lambda p: premise)[1] == []


def test_the_room_takes_the_issues_out_of_a_revision(script, make_ctx):
    fix = "open on a threat, a loss, a secret or a humiliation the viewer feels at once"
    script.enqueue("screenwriter", f.pitch(), f.revision({**f.pitch(), "hook": fix}))
    script.enqueue("cultural_consultant", f.approve(), f.approve())
    quote = f.pitch()["logline"]  # the issue quotes the version under revision: its words stay its own
    script.enqueue("director", f.revise(quote=quote, problem="nothing is at stake", fix=fix), f.approve())
    runs = Runs(make_ctx())
    run_id, events = runs.start("A disowned heiress returns as a CEO")
    seen = list(events)
    pitch = runs.view(run_id).waiting["content"]
    assert (pitch["hook"], pitch["logline"]) == ("A disowned heiress returns as a CEO", quote)
    assert {"type": "scrubbed", "role": "screenwriter", "artifact": "revise_pitch", "fields": ["artifact.hook"]} in seen


_PAIRS = [("“", "”"), ("「", "」"), ("《", "》"), ("（", "）")]


@settings(max_examples=300, deadline=None)
@given(
    before=_prose,
    pair=st.sampled_from(_PAIRS),
    inside=st.text(alphabet="abc张三", min_size=1, max_size=8),
    after=_prose,
    closing=st.lists(st.sampled_from([close for _, close in _PAIRS]), min_size=1, max_size=6).map("".join),
    opening=st.lists(st.sampled_from([opening for opening, _ in _PAIRS]), max_size=3).map("".join),
    lang=st.sampled_from(["en", "zh"]),
)
def test_a_quote_or_title_mark_that_pairs_with_none_goes_and_those_that_pair_stay(
    before, pair, inside, after, closing, opening, lang
):
    quoted = f"{pair[0]}{inside}{pair[1]}"
    assert unmarked(before + quoted + after, lang) == before + quoted + after  # paired marks are prose
    bare = unmarked(before + closing + quoted + after + opening, lang)  # closing nothing opened, opening for nothing
    assert quoted in bare
    for opening, closing in _PAIRS:  # only the quoted text's marks are left
        assert bare.count(opening) == bare.count(closing) == quoted.count(opening)
    assert re.sub(r"\W", "", bare) == re.sub(r"\W", "", before + quoted + after)
    assert unmarked(bare, lang) == bare


# ── a prompt's words inside a field of the model's own ──────────────────

MOON = "月老殿里打杂的小仙女，把两根红线系错了，只好下凡亲自撮合"


@pytest.mark.parametrize(
    "lang, premise, beat, left",
    [
        # seen: the 270M model's beat said its instructions' hook in a clause of its own words
        (
            "zh",
            MOON,
            "宫斗线很紧, 歌词中要用1到3秒来吸引人的目光，歌词的开头，结尾必须抓住人，然后留一个让观众忍不住划到下一集。",
            "宫斗线很紧, 歌词中要用1到3秒来吸引人的目光，歌词的开头，结尾必须抓住人。",
        ),
        (
            "en",
            "A nurse finds her twin",
            "Mira hides the letter from her brother; a secret that can drive a twist. She runs into the night.",
            "Mira hides the letter from her brother. She runs into the night.",
        ),
        # what is left says nothing (下班后): the beat is the premise's, as a copied one is
        ("zh", MOON, "下班后，岳母在下班时被小舅子当众泼了一盆酒。", MOON),
        # the premise's own words are the series' however the prompt has them
        ("zh", "她在结尾留一个让观众忍不住划到下一集的悬念", "她在结尾留一个让观众忍不住划到下一集的悬念。", None),
    ],
)
def test_a_clause_of_the_prompt_in_a_beat_of_its_own_is_cut_out(lang, premise, beat, left):
    outline = f.outline(1)
    outline["episodes"][0]["beats"][0]["description"] = beat
    clean, changed = _scrub(SeriesOutline.model_validate(outline), lang, premise)
    assert clean.episodes[0].beats[0].description == (left or beat)
    assert changed == ([] if left is None else ["episodes.0.beats.0.description"])
    assert clean.episodes[0].beats[1].description == "the reveal"  # the rest is as it was


def _clauses(text: str, lang: str) -> list[str]:
    return [clause.strip() for clause in CLAUSE_END.split(text) if clause.strip()]


_prompt_clauses = {
    lang: sorted(
        {
            clause
            for task in load_prompts("screenwriter", lang).tasks.values()
            for text in (task.instruction, *(str(e.output) for e in task.examples))
            for clause in _clauses(text, lang)
            if copied_phrases(clause, "screenwriter", lang)
        }
    )
    for lang in ("en", "zh")
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lang=st.sampled_from(["en", "zh"]),
    data=st.data(),
)
def test_whatever_is_cut_the_field_keeps_none_of_the_prompt_and_only_its_own_words(lang, data):
    own = st.text(
        st.sampled_from("abcdefghij 的了她他说走看，,。.;!？") if lang == "zh" else st.sampled_from("abcdefg ,.;!?"),
        max_size=40,
    )
    parts = data.draw(st.lists(st.one_of(own, st.sampled_from(_prompt_clauses[lang])), max_size=6))
    text = data.draw(st.sampled_from(["，", "。", ", ", ". "])).join(parts)
    cut = uncopied(text, "screenwriter", lang, "A premise 一个前提")
    assert copied_phrases(cut, "screenwriter", lang, "A premise 一个前提") == []
    left = iter(re.findall(r"\w", text))  # what is left is the text's own words, in order: nothing is written
    assert all(char in left for char in re.findall(r"\w", cut))
    if not copied_phrases(text, "screenwriter", lang, "A premise 一个前提"):
        assert cut == text
