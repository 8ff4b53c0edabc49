"""The deployment across machines (`cli/deploy/compose.yaml`): read as Docker Compose reads it, checked against what
the room and LangGraph's server read. Docker itself does not run here; its input does."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from graphs.context import load_context
from graphs.served import PROJECT_ENV

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "cli" / "deploy" / "compose.yaml"
VARIABLE = re.compile(r"\$\{(\w+)(?::([?-])([^}]*))?\}")


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` (an unset or empty VAR with `?` is an error)."""

    def value(match: re.Match) -> str:
        name, kind, rest = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {rest}")
        return rest or ""

    return VARIABLE.sub(value, text)


def compose(env: dict[str, str]) -> dict:
    return yaml.safe_load(interpolate(COMPOSE.read_text(encoding="utf-8"), env))


ENV = {"ROOM_DB_PASSWORD": "s3cret", "ROOM_MODEL": "openai:qwen2.5-7b-instruct", "ROOM_BASE_URL": "http://llm:8000/v1"}


def test_the_database_password_must_be_given():
    with pytest.raises(KeyError, match="ROOM_DB_PASSWORD"):
        compose({})


def test_every_service_it_names_is_defined_and_every_image_but_the_rooms_is_pinned():
    services = compose(ENV)["services"]
    assert set(services) == {"postgres", "redis", "chroma", "langgraph-api", "langgraph-worker"}
    declared = set(compose(ENV)["volumes"])
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
        for volume in service.get("volumes", []):
            assert volume.split(":")[0] in declared, (name, volume)
        image, _, tag = service["image"].partition(":")
        assert tag and (tag != "latest" or image == "writers-room"), name
    waits = services["langgraph-api"]["depends_on"]
    assert waits["postgres"]["condition"] == waits["redis"]["condition"] == "service_healthy"


def test_the_servers_addresses_point_at_the_services_with_the_databases_own_credentials():
    services = compose(ENV)["services"]
    api, db = services["langgraph-api"]["environment"], services["postgres"]["environment"]
    uri = re.fullmatch(r"postgres://(\w+):([^@]+)@(\w+):5432/(\w+)", api["DATABASE_URI"])
    assert uri and uri.groups() == (db["POSTGRES_USER"], ENV["ROOM_DB_PASSWORD"], "postgres", db["POSTGRES_DB"])
    assert api["REDIS_URI"] == "redis://redis:6379"
    chroma_port = services["chroma"]["ports"][0].split(":")[1]
    assert api["ROOM_CHROMA_URL"] == f"http://chroma:{chroma_port}"
    # the served runs' checkpoints (langgraph.json's checkpointer) in the same database, with its credentials
    assert api["ROOM_CHECKPOINTS"] == api["DATABASE_URI"].replace("postgres://", "postgresql://", 1)


def test_its_workers_take_runs_from_the_servers_queue_with_the_servers_settings_and_project():
    services = compose(ENV)["services"]
    api, worker = services["langgraph-api"], services["langgraph-worker"]
    assert worker["image"] == api["image"] and "ports" not in worker
    assert (worker["environment"], worker["volumes"], worker["depends_on"]) == (
        api["environment"],
        api["volumes"],
        api["depends_on"],
    )
    assert int(api["environment"]["N_JOBS_PER_WORKER"]) >= 1
    python, flag, module = worker["command"]
    assert (python, flag) == ("python", "-m")
    if importlib.util.find_spec("langgraph_api") is None:
        pytest.skip("LangGraph's server is not installed (pip install -e '.[server]'): its queue entrypoint unchecked")
    assert importlib.util.find_spec(module) is not None, module


def test_the_rooms_settings_in_it_are_ones_the_room_reads(tmp_path):
    api = compose(ENV)["services"]["langgraph-api"]["environment"]
    ours = {k: v for k, v in api.items() if k.startswith("ROOM_")}
    assert PROJECT_ENV in ours  # graphs.served reads the project folder from it
    ctx = load_context(tmp_path, env={k: v for k, v in ours.items() if k != PROJECT_ENV})
    assert (ctx.chroma_url, ctx.model, ctx.base_url, ctx.checkpoints) == (
        ours["ROOM_CHROMA_URL"],
        ENV["ROOM_MODEL"],
        ENV["ROOM_BASE_URL"],
        ours["ROOM_CHECKPOINTS"],
    )
    # unset, the model is the room's default (the embedded one), not an empty name
    default = compose({"ROOM_DB_PASSWORD": "x"})["services"]["langgraph-api"]["environment"]
    left = {k: v for k, v in default.items() if k.startswith("ROOM_") and k != PROJECT_ENV}
    assert load_context(tmp_path, env=left).model == load_context(tmp_path, env={}).model


def test_the_servers_image_is_built_from_the_projects_langgraph_json(tmp_path):
    """What `langgraph build` runs: `langgraph dockerfile` turns langgraph.json into the image's Dockerfile."""
    cli = shutil.which("langgraph")
    if cli is None:
        if os.environ.get("ROOM_TEST_SERVER") == "1":
            pytest.fail("ROOM_TEST_SERVER=1 but the langgraph CLI is missing: pip install -e '.[server]'")
        pytest.skip("the langgraph CLI is not installed (pip install -e '.[server]')")
    made = subprocess.run(
        [cli, "dockerfile", "-c", str(ROOT / "langgraph.json"), str(tmp_path / "Dockerfile")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    dockerfile = (tmp_path / "Dockerfile").read_text(encoding="utf-8")
    assert dockerfile.startswith("FROM langchain/langgraph-api:3.11")
    graphs = re.search(r"LANGSERVE_GRAPHS='(\{.*\})'", dockerfile).group(1)
    for name in ("development", "episode", "chat"):
        assert f'"{name}": "/deps/' in graphs and "graphs/served.py" in graphs
    # the served runs' checkpoints: the room's own saver (graphs.served.checkpointer), from the image's copy
    saver = json.loads(re.search(r"LANGGRAPH_CHECKPOINTER='(\{.*\})'", dockerfile).group(1))
    assert saver["path"].startswith("/deps/") and saver["path"].endswith("graphs/served.py:checkpointer")
