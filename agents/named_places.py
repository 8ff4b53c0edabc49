"""The places a premise names itself: "顶流男星被迫回老家继承养猪场" is set at a hometown and a pig farm, "An
Antarctic weather station's cook…" at the station.

A small model writes its bible at the places it is handed (`agents.handed.places_of`), held there by the schema;
handed only what its table of words and its culture give, the pig-farm series was set in a mansion and a
banquet hall, the places of the rich heiress of its example, and its bible told her story. So the places the
premise names come first, as it writes them.

Found by form, not by a list of every place: in Chinese a place word (`_ZH_WORDS`), or two characters before a
character that ends place names (`_ZH_ENDS`: 养猪场, 录像厅, 大理寺) that are not a function word (nor the
first such a character: "一场旅行") and not followed by one that makes a person of it (厂长, 院长); in English a place noun (`_EN_NOUNS`) with up to two
words before it that are not a determiner, pronoun or preposition ("Antarctic weather station").
"""

from __future__ import annotations

import re
from functools import lru_cache

from agents.han import HAN

_ZH_WORDS = (
    "老家 故乡 工厂 洋行 银行 商行 农场 牧场 市场 商场 片场 机场 战场 码头 车站 医院 学校 书院 学堂 酒店 客栈"
    " 茶馆 酒楼 戏院 戏班 门派 宗门 皇宫 后宫 冷宫 军营 监狱 寺庙 道观 山村 渔村 小镇 县城 京城 海岛 工地 矿山"
    " 衙门 当铺 镖局 药铺 绣坊 夜市 网吧 舞厅 歌厅 澡堂 食堂 宿舍 教室 别墅 公寓 出租屋 账房 厨房 后厨 病房"
    " 牢房 书房 祠堂 花楼 青楼 赌坊 面馆 饭馆 菜场 菜市场 电影院 游乐园 孤儿院 福利院 养老院 殡仪馆 十三行 米行"
    " 布行 车行 小城 古镇 胡同 学院 弄堂 哨所 窑洞 水乡 苗寨 石窟 王陵 诊所 租界 赌场 佛寺 眷村 防空洞 草原 天庭 戈壁 沙漠 钢厂 后山"
).split()
_ZH_ENDS = "厂场厅店馆院府宫寺庙楼村镇城站港岛园庄铺坊局营矿堂阁房屋窟寨陵所殿"  # not 行: 进行, 旅行, 流行
# characters that end a place's words on their left: particles, prepositions, verbs of going, measure words
_ZH_STOPS = set(
    "的了在到回进入出去从于是和与把被着个座家名位盘件只条张次又也都就才要会能将让替给为向对当因而却并且这那每全整往"
)
# a place keeps the region named before it: 东北小镇, 边境小城, 东北林场 (not 北小镇, 北林场); and who owns it: 国营钢厂
_ZH_REGIONS = frozenset(
    "东北 西北 西南 东南 华北 江南 岭南 塞北 关外 边境 海边 江边 河边 湖边 山区 南方 北方 国营 国有".split()
)
# a place character followed by one of these is part of a title or another word: 厂长, 院长, 宫廷
_ZH_NOT_AFTER = set("长主员面动为景东尹子士人廷下")
_ZH_NOT_WORDS = frozenset(
    "宫女 宫斗 城管 所以 所有 所谓 所在 所得 所属 所作 国营 经营 民营 私营 营业 营救 营养 营销".split()
)  # a place character in a word of another kind, first or last in it (国营钢厂 is no 北国营)

_EN_NOUNS = (
    "hospital clinic station hotel school academy university college farm ranch factory mill mine club bar"
    " restaurant bakery café cafe diner shop store market bank office studio theatre theater church temple"
    " monastery convent palace castle manor mansion estate village town island lighthouse harbour harbor port"
    " ship prison jail courthouse kingdom camp colony inn tavern saloon casino circus gym arena stadium newsroom"
    " laboratory lab embassy vineyard orchard salon boutique brewery winery observatory asylum orphanage parlour parlor"
    " workshop warehouse garage pub library museum gallery bookshop bookstore"
).split()
_EN_NOT_BEFORE = frozenset(
    "a an the this that these those his her their its my our your in at on of to from into by for with and or"
    " who whose which where when while as is are was were be new every each one two some any".split()
)
_WORD = re.compile(r"[A-Za-z0-9][\w'-]*|\S")  # "1700s" is one word, and no place's


@lru_cache(maxsize=64)
def named_places(premise: str, lang: str, count: int = 3) -> tuple[str, ...]:
    """Up to `count` places the premise names, in the order it names them, as it writes them (read once a
    premise: a small model's every schema asks, through `agents.handed.setting_of` and `places_of`)."""
    found = _zh(premise) if lang == "zh" else _en(premise)
    return tuple(dict.fromkeys(found))[:count]


def _zh(premise: str) -> list[str]:
    spans = [(m.start(), m.end()) for word in _ZH_WORDS for m in re.finditer(re.escape(word), premise)]
    for end, char in enumerate(premise, start=1):
        if (
            char not in _ZH_ENDS
            or premise[end : end + 1] in _ZH_NOT_AFTER
            or premise[end - 1 : end + 1] in _ZH_NOT_WORDS
            or premise[end - 2 : end] in _ZH_NOT_WORDS
        ):
            continue
        before = premise[end - 3 : end - 1]
        ends_a_place = before[:1] in _ZH_ENDS and premise[end - 4 : end - 2] not in _ZH_NOT_WORDS  # not 国营饭店's 营
        if not ends_a_place and _modifier(before):
            spans.append((end - 3, end))
    # a place word the rule above cut into (乐学院 of 音乐学院, 海弄堂 of 上海弄堂) keeps two characters before it
    found = set(spans)
    spans += [
        (start - 2, end)
        for start, end in found
        if end - start == 2 and (start - 1, end) in found and start >= 2 and _modifier(premise[start - 2 : start])
    ]
    # and a region named before a place, whole or with its last character in the place (东北小镇, 东北林场 of 北林场)
    spans += [
        (region, end)
        for start, end in spans
        for region in (start - 2, start - 1)
        if region >= 0 and premise[region : region + 2] in _ZH_REGIONS
    ]
    kept = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]  # the longest
    return [premise[start:end] for start, end in sorted(set(kept))]


def _modifier(chars: str) -> bool:
    """Whether two characters can stand before a place's last character as part of its name (养猪 of 养猪场)."""
    return len(chars) == 2 and all(HAN.match(c) and c not in _ZH_STOPS for c in chars)


def _en(premise: str) -> list[str]:
    words = _WORD.findall(premise)
    found = []
    for index, word in enumerate(words):
        noun = word.removesuffix("'s").removesuffix("’s")
        if noun.casefold() not in _EN_NOUNS:
            continue
        start = index
        while start > max(0, index - 2) and _modifies(words[start - 1]):
            start -= 1
        phrase = " ".join([*words[start:index], noun])
        found.append(phrase[:1].upper() + phrase[1:])
    return found


def _modifies(word: str) -> bool:
    """Whether `word` can stand before a place noun as part of its name ("weather", "Antarctic")."""
    return word[:1].isalpha() and word.casefold() not in _EN_NOT_BEFORE and not word.endswith(("'s", "’s"))
