"""Benchmark: speech synthesis speed per backend, and what the cache saves.

For 10 English and 10 Chinese dialogue lines, prints per backend and language
the real-time factor (synthesis seconds per second of audio; below 1 is
faster than real time), the one-off load time, and the time a cache hit
takes. Backends that cannot be created here are listed with the reason.

    python bench/speech.py [--backends piper,espeak,coqui,openai]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.errors import ConfigError  # noqa: E402
from tools.speech import SPEECH, SpeechBackend, cast_voices, create_speech_backend, synthesize_cached  # noqa: E402

LINES = {
    "en": [
        "You came back.",
        "Three years, and not a single word from you.",
        "I didn't come back for you. I came back for what's mine.",
        "Sign it. Or watch your company fall by Friday.",
        "Grandma, please, just listen to me for once!",
        "He knew. He knew the whole time, and he said nothing.",
        "Who let her in here?",
        "The shares were transferred this morning. All of them.",
        "If you walk out that door, don't ever come back.",
        "Then I guess this is goodbye, Mr. Gu.",
    ],
    "zh": [
        "你回来了。",
        "三年了，你连一句话都没有。",
        "我不是为你回来的，我是来拿回属于我的东西。",
        "签字。不然周五之前，你的公司就完了。",
        "奶奶，求你听我说一次！",
        "他早就知道，他一直都知道，却什么都没说。",
        "谁让她进来的？",
        "股份今天早上已经全部转让了。",
        "你要是走出这扇门，就永远别回来。",
        "那就再见了，顾总。",
    ],
}
CHARACTERS = [("Lin Xia", "heiress", "young woman"), ("Gu Chen", "CEO", "deep voice, man")]


def bench(backend: SpeechBackend, lang: str, cache_dir: Path) -> str:
    name = backend.info.name
    voice = cast_voices(CHARACTERS, lang, backend=backend)["Lin Xia"]
    lines = LINES[lang]
    started = time.perf_counter()
    synthesize_cached(name, "Hello." if lang == "en" else "你好。", voice, cache_dir, backend=backend)  # load/warm up
    load = time.perf_counter() - started
    synth = audio = 0.0
    for text in lines:
        started = time.perf_counter()
        result = synthesize_cached(name, text, voice, cache_dir, backend=backend)
        synth += time.perf_counter() - started
        audio += result.duration
    started = time.perf_counter()
    hits = [synthesize_cached(name, text, voice, cache_dir, backend=backend) for text in lines]
    hit = (time.perf_counter() - started) / len(lines)
    assert all(h.cached for h in hits)
    return (
        f"{name:7} {lang}  voice {voice.voice:18} pitch {voice.pitch:+5.1f}  "
        f"audio {audio:5.1f} s  synth {synth:5.2f} s  RTF {synth / audio:5.3f}  "
        f"first call {load:5.2f} s  cache hit {hit * 1000:5.2f} ms/line"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default=",".join(SPEECH.names()))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="speech-bench-") as tmp:
        for name in args.backends.split(","):
            try:
                backend = create_speech_backend(name)
            except ConfigError as exc:
                print(f"{name:7} skipped: {exc}")
                continue
            for lang in ("en", "zh"):
                if name == "piper" and lang == "zh":
                    continue  # the bundled Piper voice is English only
                try:
                    print(bench(backend, lang, Path(tmp) / name), flush=True)
                except ConfigError as exc:  # a backend with no voices to cast from
                    print(f"{name:7} {lang} skipped: {exc}")


if __name__ == "__main__":
    main()
