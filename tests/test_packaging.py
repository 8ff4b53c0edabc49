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


def test_each_graph_declares_its_input_and_output():
    """The LangGraph server shows each graph's declared input and output; a run's cursor is no output."""
    from graphs import chat, development, episode, negotiation

    for graph in (development.graph, negotiation.graph, episode.graph, chat.graph):
        assert graph.get_input_jsonschema()["properties"] and graph.get_output_jsonschema()["properties"]
    assert set(development.graph.get_input_jsonschema()["properties"]) == {
        "run_id",
        "premise",
        "lang",
        "episodes",
        "auto_approve",
        "budget",
        "models",
        "decisions",
    }
    for graph in (development.graph, episode.graph):
        assert not {"current", "episode", "outcome", "decision"} & set(graph.get_output_jsonschema()["properties"])


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
