"""Run the real `room` CLI in a subprocess, with every model replaced by a script.

    ROOM_TEST_SCRIPT=replies.json python tests/room_scripted.py run "premise"

The JSON maps role -> list of replies (see scripted.py). The socket guard is
installed too: the subprocess cannot reach a remote model either.
With ROOM_TEST_GO=file, a gate is answered only once that file exists: the
starting line of processes racing to answer one gate, each ready with its
runs open (ROOM_TEST_READY=file says it waits there).
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

from conftest import _guarded_connect  # noqa: E402
from scripted import Script, scripted_factory  # noqa: E402

socket.socket.connect = _guarded_connect
script_path = os.environ.get("ROOM_TEST_SCRIPT")
script = Script(json.loads(Path(script_path).read_text()) if script_path else {})
if os.environ.get("ROOM_TEST_RESPONDER"):  # replies made for each request's schema once the queues are empty
    from factories import reply_for  # noqa: E402

    script.responder = reply_for

from agents import models  # noqa: E402

models.load_chat_model = scripted_factory(script)
models.check_spec = lambda spec, base_url=None: None

from cli.app import main  # noqa: E402

if os.environ.get("ROOM_TEST_GO"):
    import time  # noqa: E402

    from graphs.runs import Runs  # noqa: E402

    answer = Runs.answer

    def answer_on_go(self, *args, **kwargs):
        Path(os.environ["ROOM_TEST_READY"]).touch()
        while not Path(os.environ["ROOM_TEST_GO"]).exists():
            time.sleep(0.002)
        return answer(self, *args, **kwargs)

    Runs.answer = answer_on_go

sys.argv = ["room", *sys.argv[1:]]
main()
