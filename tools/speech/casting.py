"""Casting: a distinct, stable voice for every character of a series.

Run once when the bible is written; the VoiceSpecs are stored there and never
re-cast, so the function only has to be deterministic: the same characters in
the same order get the same voices. Hints ("gruff old man", "年轻女孩，语速快")
choose a starting point (gender, age, tone); characters who would sound alike
are moved apart until every pair on the same voice differs audibly, by at
least PITCH_STEP semitones or RATE_STEP in rate. The voices come from the
speech backend (`voices(lang)`), so casting knows no backend by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from tools.errors import ConfigError

from .base import SpeechBackend, Voices, VoiceSpec

PITCH_STEP = 1.5  # semitones
RATE_STEP = 0.08

_FEMALE_EN = r"female|woman|women|girl|lady|she|her|hers|mother|mom|mum|grandmother|grandma|sister|aunt|wife|daughter|queen|princess|actress|heiress|widow|bride|girlfriend|mistress|niece"
_MALE_EN = r"male|man|men|boy|guy|he|him|his|father|dad|grandfather|grandpa|brother|uncle|husband|son|king|prince|gentleman|groom|boyfriend|nephew"
_FEMALE_ZH = ("女", "她", "妈", "母亲", "姐", "妹", "奶奶", "婆", "娘", "妻", "嫂", "姑", "姨", "千金", "公主", "夫人")
_MALE_ZH = ("男", "他", "爸", "父亲", "哥", "弟", "爷", "叔", "丈夫", "伯", "舅", "儿子", "少爷", "王子", "先生")
_CHILD = (r"child|kid|toddler|little", ("孩子", "小孩", "儿童", "童"))
_YOUNG = (r"young|teen|teenage|teenager|youthful|student|boy|girl", ("少年", "少女", "年轻", "学生", "青年"))
_OLD = (
    r"old|elderly|aged|senior|grandmother|grandfather|grandma|grandpa",
    ("老人", "老太", "老头", "年迈", "奶奶", "爷爷", "外婆", "姥姥", "苍老", "老爷子"),
)
_DEEP = (r"deep|low|gravelly|husky|gruff|baritone|bass|booming|hoarse", ("低沉", "浑厚", "沙哑", "粗"))
_HIGH = (r"high|bright|shrill|squeaky|light|soprano|sweet", ("尖", "清脆", "甜", "清亮"))
_SLOW = (r"slow|slowly|calm|measured|drawl|drawling|languid|deliberate|weary", ("沉稳", "缓慢", "慢", "稳重"))
_FAST = (r"fast|quick|quickly|rapid|energetic|nervous|excited|brisk|hurried", ("急", "快", "活泼", "急促"))

# Pitch (semitones) from gender and age. One voice for everyone (Piper's bundled male voice)
# carries gender by pitch; gendered voices (espeak variants, OpenAI voices) carry it themselves.
_ONE_VOICE_PITCH = {
    "male": {"child": 6.0, "young": 1.5, "adult": 0.0, "old": -1.5},
    "female": {"child": 9.0, "young": 6.5, "adult": 5.5, "old": 4.0},
    "neutral": {"child": 7.5, "young": 3.5, "adult": 2.5, "old": 1.0},
}
_AGE_PITCH = {"child": 4.0, "young": 1.5, "adult": 0.0, "old": -1.5}
_AGE_RATE = {"child": 1.08, "young": 1.05, "adult": 1.0, "old": 0.9}


@dataclass(frozen=True)
class Profile:
    gender: str  # female | male | neutral
    age: str  # child | young | adult | old
    pitch: float  # semitones from tone words
    rate: float  # factor from tone words


def _count(text: str, words: str, chinese: tuple[str, ...]) -> int:
    return len(re.findall(rf"\b(?:{words})\b", text)) + sum(text.count(w) for w in chinese)


def _gender_in(text: str) -> str:
    """ "female" or "male" when `text` says one more often than the other, else ""."""
    text = text.lower()
    female, male = _count(text, _FEMALE_EN, _FEMALE_ZH), _count(text, _MALE_EN, _MALE_ZH)
    return "" if female == male else "female" if female > male else "male"


def _has(text: str, group: tuple[str, tuple[str, ...]]) -> bool:
    words, chinese = group
    return bool(re.search(rf"\b(?:{words})\b", text)) or any(w in text for w in chinese)


def read_profile(description: str, voice_hint: str, name: str = "", gender: str = "") -> Profile:
    """Gender, age and tone from the hint, falling back to the description and then the name's words ("Grandma
    Lin", "奶奶"); a gender known for the name (`gender`) comes before all of them."""
    gender = gender or _gender_in(voice_hint) or _gender_in(description) or _gender_in(name) or "neutral"
    both = f"{voice_hint} {description} {name}".lower()
    years = re.search(r"(\d{1,3})\s*(?:-|\s)?(?:years?[- ]old|岁)", both)
    both = re.sub(r"years?[- ]old", " ", both)
    if years:
        n = int(years.group(1))
        age = "child" if n < 13 else "young" if n < 25 else "old" if n >= 60 else "adult"
    else:
        age = next((a for a, g in (("child", _CHILD), ("old", _OLD), ("young", _YOUNG)) if _has(both, g)), "adult")
    hint = voice_hint.lower() or both  # tone words: from the hint when there is one
    pitch = (-2.0 if _has(hint, _DEEP) else 0.0) + (2.0 if _has(hint, _HIGH) else 0.0)
    rate = (0.9 if _has(hint, _SLOW) else 1.0) * (1.1 if _has(hint, _FAST) else 1.0)
    return Profile(gender, age, pitch, rate)


def _offsets() -> list[tuple[float, float]]:
    """Moves away from a starting voice, nearest first, in a fixed order."""
    steps = product(range(-8, 9), range(-3, 4))
    ordered = sorted(steps, key=lambda s: (abs(s[0]) + abs(s[1]), abs(s[1]), -s[0], -s[1]))
    return [(p * PITCH_STEP, r * RATE_STEP) for p, r in ordered]


_OFFSETS = _offsets()


def _too_close(a: VoiceSpec, b: VoiceSpec) -> bool:
    return a.voice == b.voice and abs(a.pitch - b.pitch) < PITCH_STEP - 1e-6 and abs(a.rate - b.rate) < RATE_STEP - 1e-6


def _start(voices: Voices, profile: Profile) -> tuple[tuple[str, ...], float, float]:
    """(voices to try, in order; pitch; rate) before moving apart."""
    rate = _AGE_RATE[profile.age] * profile.rate
    pitch = _AGE_PITCH[profile.age] if voices.gendered else _ONE_VOICE_PITCH[profile.gender][profile.age]
    return voices.of(profile.gender), pitch + profile.pitch, rate


def _offered(backend: SpeechBackend, lang: str) -> Voices:
    """The backend's voices for `lang`; a backend without a list is a one-line error, not a crash at the first line."""
    offer = getattr(backend, "voices", None)
    voices = offer(lang) if callable(offer) else None
    if voices is None or not (voices.female and voices.male and voices.neutral):
        raise ConfigError(
            f"the '{backend.info.name}' speech backend offers no voices to cast from in '{lang}': "
            "choose another speech backend"
        )
    return voices


def cast_voices(
    characters: list[tuple[str, str, str]],
    lang: str,
    backend: SpeechBackend | str | None = None,
    genders: dict[str, str] | None = None,
) -> dict[str, VoiceSpec]:
    """A VoiceSpec per character name from (name, description, voice_hint), and the gender known for a name
    (`genders`: "female" or "male"), which comes before what the hint and the description say.

    `backend` is a speech backend, or the name of one to create; by default
    the language's (Piper for English, espeak for the rest). Each character
    takes the first candidate, in a fixed order, that is not too close to a
    voice already cast: a fresh voice (variant) of its gender first, then
    pitch and rate moved in steps.
    """
    from . import create_speech_backend, default_backend_for

    if backend is None or isinstance(backend, str):
        backend = create_speech_backend(backend or default_backend_for(lang))
    offered = _offered(backend, lang)
    name_of_backend = backend.info.name
    cast: dict[str, VoiceSpec] = {}
    for name, description, hint in characters:
        if name in cast:
            raise ConfigError(f"character '{name}' is listed twice for casting")
        profile = read_profile(description or "", hint or "", name, (genders or {}).get(name, ""))
        voices, pitch, rate = _start(offered, profile)
        used = {spec.voice for spec in cast.values()}
        fresh = [((0.0, 0.0), v) for v in voices if v not in used]  # a voice of its own while any is left
        for (d_pitch, d_rate), voice in [*fresh, *product(_OFFSETS, voices)]:
            candidate = VoiceSpec(
                backend=name_of_backend,
                voice=voice,
                lang=lang,
                rate=round(min(max(rate + d_rate, 0.5), 2.0), 3),
                pitch=round(min(max(pitch + d_pitch, -12.0), 12.0), 2),
                description=hint or description or "",
            )
            if not any(_too_close(candidate, other) for other in cast.values()):
                cast[name] = candidate
                break
        else:
            raise ConfigError(
                f"no distinct voice left for '{name}': too many characters for one '{name_of_backend}' voice"
            )
    return cast
