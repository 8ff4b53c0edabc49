"""Test guards and fixtures.

The guard fails any test that opens a connection to anything but this
machine: no test may reach a remote model. The embedded model and local
OpenAI-compatible servers listen on 127.0.0.1 and stay allowed.

Tests that take the `checkpoints` fixture run on both checkpoint databases:
SQLite, and a PostgreSQL cluster the session starts from the machine's own
binaries. Without them the Postgres variants are skipped, saying so;
`ROOM_TEST_POSTGRES=1` (CI, which installs them: see .ci/run) makes them
fail instead, and `ROOM_TEST_POSTGRES=0` skips them on purpose.

Hypothesis runs without a deadline: speed is measured in bench/, not here.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from postgres_cluster import postgres_bin, start_cluster  # noqa: E402
from scripted import Script, scripted_factory, scripted_overrides  # noqa: E402
from servers import chroma_server  # noqa: E402

# a property's first example builds schemas and loads data (seconds on a busy machine): no deadline on any example
settings.register_profile("room", deadline=None)
settings.load_profile("room")

POSTGRES_TESTS = os.environ.get("ROOM_TEST_POSTGRES", "")  # "1" required, "0" skipped, "" when installed; read
# here: each test's guard clears ROOM_*
_real_connect = socket.socket.connect


class RemoteCallError(AssertionError):
    pass


def _is_local(address) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket
        return True
    from tools.registry import is_loopback_host

    return is_loopback_host(address[0])


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
        raise RemoteCallError(f"a test tried to reach {address}: tests never call remote models")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_remote_models(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "DEEPSEEK_API_KEY", "DASHSCOPE_API_KEY"):
        monkeypatch.delenv(var, raising=False)
    for var in [v for v in os.environ if v.startswith("ROOM_")]:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def script(monkeypatch) -> Script:
    """A fresh script; every role's model replays from it."""
    from agents import models

    s = Script()
    monkeypatch.setattr(models, "load_chat_model", scripted_factory(s))
    return s


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    return folder


@pytest.fixture
def make_ctx(project):
    from graphs.context import load_context

    def make(**overrides):
        return load_context(project, {**scripted_overrides(), "produce": False, **overrides}, env={})

    return make


@pytest.fixture(autouse=True)
def _close_services():
    yield
    from graphs.room import close_all

    close_all()


@pytest.fixture
def one_torch_thread():
    """One intra-op thread: on a busy 2-core machine, torch's spinning threads make tiny models 10x slower."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("diffusers")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def postgres_extra() -> None:
    """The room's postgres extra is installed: a test of checkpoints in Postgres fails without it."""
    if POSTGRES_TESTS == "0":
        pytest.skip("ROOM_TEST_POSTGRES=0: the Postgres variants are skipped")
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
    except ImportError:
        pytest.fail('the postgres extra is not installed: pip install -e ".[test,postgres]"')


@pytest.fixture(scope="session")
def postgres(postgres_extra):
    """A PostgreSQL cluster for the session (see tests/postgres_cluster.py)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        missing = "PostgreSQL's server binaries are not installed (apt-get install -y postgresql)"
        if POSTGRES_TESTS == "1":
            pytest.fail(f"{missing}, and ROOM_TEST_POSTGRES=1 asks for the Postgres variants")
        pytest.skip(f"{missing}: the Postgres variants are skipped")
    cluster = start_cluster(bin_dir)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def checkpoints(request) -> str | None:
    """Where a test's runs keep their checkpoints: None (SQLite in the project) or a fresh Postgres database."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").new_database()


@pytest.fixture
def checkpoints_env(checkpoints) -> dict[str, str]:
    """The same, for a `room` subprocess."""
    return {"ROOM_CHECKPOINTS": checkpoints} if checkpoints else {}


@pytest.fixture
def chroma_url(tmp_path):
    """A Chroma server for the test: the memory of a project several processes write to."""
    with chroma_server(tmp_path / "chroma") as url:
        yield url
