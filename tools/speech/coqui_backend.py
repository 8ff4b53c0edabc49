"""Coqui TTS (XTTS, VITS, ... by model name) for machines where `TTS` imports.

`TTS` pulls in torch and torchaudio; where only CUDA builds of torchaudio
exist, or the two versions disagree, `import TTS.api` fails. Creating this
backend then raises one line that says so, instead of a traceback at the
first line of dialogue. Models are loaded once per process per name.
"""

from __future__ import annotations

import tempfile
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from tools.registry import BackendInfo, MissingPackageError

from .base import Voices, VoiceSpec, read_wav, require_text, shift_pitch_and_tempo, write_wav

DEFAULT_MODEL = "tts_models/multilingual/multi-dataset/xtts_v2"
KNOWN_MODELS = (
    DEFAULT_MODEL,
    "tts_models/en/vctk/vits",
    "tts_models/en/ljspeech/vits",
    "tts_models/zh-CN/baker/tacotron2-DDC-GST",
)
# XTTS names Chinese "zh-cn".
XTTS_LANGS = {"zh": "zh-cn", "cmn": "zh-cn"}


class CoquiInfo(BackendInfo):
    """Checks that `TTS` imports, not only that it is installed: the usual
    failure is an installed TTS whose torchaudio cannot load."""

    def check(self) -> None:
        import importlib.util

        how = f'pip install -e ".[{self.extra}]"'
        if importlib.util.find_spec("TTS") is None:
            raise MissingPackageError(f"Coqui TTS is not importable here: the package TTS is not installed ({how})")
        try:
            import TTS.api  # noqa: F401
        except Exception as exc:  # ImportError, OSError from a torch/torchaudio ABI mismatch, ...
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            if "torchaudio" in str(exc):
                raise MissingPackageError(
                    f"Coqui TTS is installed but not importable: torchaudio fails to load ({reason}); "
                    "install a CPU torchaudio build matching torch"
                ) from None
            raise MissingPackageError(f"Coqui TTS is installed but not importable: {reason}") from None


INFO = CoquiInfo(
    name="coqui",
    kind="speech",
    packages=("TTS",),
    extra="coqui",
    local=True,
)

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def _load(model_name: str):
    with _LOCK:
        if model_name not in _MODELS:
            from TTS.api import TTS

            _MODELS[model_name] = TTS(model_name)
        return _MODELS[model_name]


class CoquiBackend:
    """`VoiceSpec.voice` is a speaker name of a multi-speaker model (XTTS:
    "Ana Florence") or the path of a reference .wav to clone (XTTS); rate and
    pitch are applied in post, which works for every model."""

    info = INFO

    def __init__(self, model: str = DEFAULT_MODEL):
        self.model = model

    def models(self) -> list[str]:
        return list(dict.fromkeys((self.model, *KNOWN_MODELS)))

    def voices(self, lang: str) -> Voices | None:
        """None: a model's speakers are not known to sound female or male, so casting cannot choose among them."""
        return None

    def fingerprint(self, voice: VoiceSpec) -> dict:
        try:
            tts_version = version("TTS")
        except PackageNotFoundError:
            tts_version = "unknown"
        return {"TTS": tts_version, "model": self.model}

    def synthesize(self, text: str, voice: VoiceSpec, out: Path) -> None:
        text = require_text(text)
        tts = _load(self.model)
        kwargs: dict = {}
        if voice.voice.endswith(".wav"):
            kwargs["speaker_wav"] = voice.voice
        elif voice.voice and getattr(tts, "is_multi_speaker", False):
            kwargs["speaker"] = voice.voice
        if getattr(tts, "is_multi_lingual", False):
            kwargs["language"] = XTTS_LANGS.get(voice.lang.lower(), voice.lang.lower())
        with tempfile.TemporaryDirectory(prefix="coqui-") as tmp:
            raw = Path(tmp) / "raw.wav"
            with _LOCK:
                tts.tts_to_file(text=text, file_path=str(raw), **kwargs)
            samples, rate = read_wav(raw)  # whatever width TTS wrote -> mono 16-bit
        samples = shift_pitch_and_tempo(samples, rate, semitones=voice.pitch, tempo=voice.rate)
        write_wav(out, samples, rate)
