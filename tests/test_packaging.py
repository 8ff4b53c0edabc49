"""The graphs langgraph.json exposes load, and tests can compile the builders with their own checkpointer."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.pregel import Pregel

ROOT = Path(__file__).resolve().parent.parent


def test_langgraph_json_points_at_compiled_graphs():
    config = json.loads((ROOT / "langgraph.json").read_text())
    assert set(config["graphs"]) == {"development", "negotiation", "episode", "chat"}
    for target in config["graphs"].values():
        path, attr = target.split(":")
        module = importlib.import_module(path.removeprefix("./").removesuffix(".py").replace("/", "."))
        graph = getattr(module, attr)
        assert isinstance(graph, Pregel)
        assert graph.checkpointer is None  # the LangGraph server brings its own (Postgres beyond one machine)


def test_development_builder_compiles_with_a_checkpointer():
    from graphs.development import builder

    graph = builder.compile(checkpointer=InMemorySaver())
    assert {"plan", "negotiate", "gate", "record"} <= set(graph.nodes)


def test_the_package_data_globs_ship_every_prompt_and_example_file():
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["agents"]
    shipped = {path for pattern in globs for path in (ROOT / "agents").glob(pattern)}
    files = set((ROOT / "agents" / "prompts").rglob("*.yaml"))
    assert files and files <= shipped
    assert any("examples" in path.parts for path in files)
