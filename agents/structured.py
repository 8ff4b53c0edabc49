"""Structured output: ask for a pydantic model, validate, feed errors back.

The method is whatever the server supports: `json_schema` (OpenAI, llama.cpp,
vLLM, Ollama: decoding is constrained to the schema), `json_mode` (a JSON
object, with the schema in the prompt) or `tools` (function calling). A reply
that fails validation goes back to the model with the validation message;
after `retries` more attempts it becomes a `ModelOutputError`.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable
from pydantic import BaseModel, ValidationError

from agents.errors import ArtifactError
from agents.models import RoomModel
from memory.budget import estimate_tokens
from tools.errors import ModelOutputError
from tools.redaction import strip_marks


@dataclass(frozen=True)
class Usage:
    """What one model call cost."""

    model: str
    input_tokens: int
    output_tokens: int
    seconds: float


UsageSink = Callable[[Usage], None]
"""Told each call's usage after it. A sink with a `before(model, prompt_tokens, max_tokens)` method is asked
before each call too, and may refuse it by raising (the run's budget, `graphs.room.Ledger`)."""


def ahead(on_usage: UsageSink | None, model: RoomModel, messages: Sequence[BaseMessage], max_tokens: int) -> None:
    """Ask the sink whether a call may start: its prompt as sent and every token it may write."""
    before = getattr(on_usage, "before", None)
    if before is not None:
        prompt = sum(estimate_tokens(m.content if isinstance(m.content, str) else str(m.content)) for m in messages)
        before(model.label, prompt, max_tokens)


class TruncatedReply(ValueError):
    """The model ran out of tokens mid-answer: a model error, retried like invalid output."""


_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


def closed_schema(schema: type[BaseModel], extras: dict | None = None, limits: dict | None = None) -> dict:
    """The model's JSON schema with every object closed (no extra keys).

    An open object lets a constrained decoder invent keys forever; closing
    them bounds the output to what the pydantic model accepts. `limits`
    tightens string lengths and short lists further (for small models, whose
    long fields turn into loops), and `limits["fields"]` (with every
    artifact's `small_model` keywords when `limits["artifact_fields"]`) sets
    schema keywords on named properties ("Model.property" -> {"minItems": 3,
    ...}) after that; whatever they produce still validates.
    """
    doc = schema.model_json_schema()
    max_string = (limits or {}).get("max_string")
    max_items = (limits or {}).get("max_items")
    fields = dict((limits or {}).get("fields", {}))
    if (limits or {}).get("artifact_fields"):
        from agents.roles import small_model_fields  # the artifacts declare them, and the roles import this module

        fields = {**small_model_fields(), **fields}

    def close(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
            if max_string and node.get("type") == "string" and node.get("maxLength", max_string + 1) > max_string:
                node["maxLength"] = max_string
            if max_items and node.get("type") == "array" and node.get("maxItems", 99) <= 2 * max_items:
                node["maxItems"] = max(node.get("minItems", 1), min(node["maxItems"], max_items))
            for value in node.values():
                close(value)
            for name, keywords in fields.items():
                owner, _, field_name = name.partition(".")
                if node.get("title") == owner and field_name in node.get("properties", {}):
                    node["properties"][field_name].update(keywords)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(doc)
    return {**doc, **(extras or {})}


def _bind(model: RoomModel, schema: type[BaseModel], max_tokens: int):
    chat = model.chat.bind(max_tokens=max_tokens)
    if model.structured_method == "json_schema":
        payload = {
            "name": schema.__name__,
            "schema": closed_schema(schema, model.schema_extras, model.schema_limits),
            "strict": False,
        }
        return chat.bind(response_format={"type": "json_schema", "json_schema": payload})
    if model.structured_method == "json_mode":
        return chat.bind(response_format={"type": "json_object"})
    return model.chat.bind_tools([schema], tool_choice=schema.__name__).bind(max_tokens=max_tokens)


def _with_schema_hint(messages: list[BaseMessage], schema: type[BaseModel]) -> list[BaseMessage]:
    """json_mode servers only promise *a* JSON object: tell the model which."""
    hint = "Reply with one JSON object that validates against this JSON schema:\n" + json.dumps(
        closed_schema(schema), ensure_ascii=False
    )
    if messages and isinstance(messages[0], SystemMessage):
        return [SystemMessage(f"{messages[0].content}\n\n{hint}"), *messages[1:]]
    return [SystemMessage(hint), *messages]


def _raw_output(reply: AIMessage, method: str) -> str:
    if method == "tools":
        if not reply.tool_calls:
            raise ValueError("no tool call in the reply")
        return json.dumps(reply.tool_calls[0]["args"], ensure_ascii=False)
    content = (
        reply.content
        if isinstance(reply.content, str)
        else "".join(part.get("text", "") for part in reply.content if isinstance(part, dict))
    )
    return _FENCE.sub("", content.strip())


def validation_reasons(exc: ValidationError) -> str:
    """The first few problems of a failed validation, each where it is and what is wrong, on one line."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'reply'}: {err['msg']}" for err in exc.errors()[:5])


def parse_reply(reply: AIMessage, schema: type[BaseModel], method: str) -> BaseModel:
    """Validate a reply against the schema; raises ValueError with a short reason."""
    raw = _raw_output(reply, method)
    try:
        return schema.model_validate_json(raw)
    except ValidationError as exc:
        raise ValueError(validation_reasons(exc)) from None


def stored_artifact(schema: type[BaseModel], data: object, what: str) -> BaseModel:
    """An artifact a model wrote, as a later step reads it back from the run's state; an `ArtifactError`
    (typed, resumable once the artifact is fixed) if it no longer fits its schema (an old checkpoint, an edit)."""
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ArtifactError(f"the {what} cannot be used: {validation_reasons(exc)}") from None


# ── the boundary: what leaves for the model, and what comes back ─────────


def _texts(value: object, change: Callable[[str], str]) -> object:
    """Every string in a nested structure (a message's parts, a tool call's arguments) changed."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _texts(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_texts(item, change) for item in value]
    return value


def outgoing(model: RoomModel, messages: Sequence[BaseMessage]) -> list[BaseMessage]:
    """The messages as they are sent: the writer's name marks never reach a model, and for one off this machine
    (`model.redactor`) personal data is replaced by placeholders."""
    change = model.redactor.redact if model.redactor is not None else strip_marks
    sent = []
    for message in messages:
        update: dict = {"content": _texts(message.content, change)}
        if isinstance(message, AIMessage) and message.tool_calls:
            update["tool_calls"] = [{**call, "args": _texts(call["args"], change)} for call in message.tool_calls]
        sent.append(message.model_copy(update=update))
    return sent


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def incoming(model: RoomModel, reply: AIMessage) -> AIMessage:
    """A structured reply with the placeholders its request was sent with put back (escaped for the JSON
    string each stands in), so the artifact, the run's state and memory hold the real values."""
    redactor = model.redactor
    if redactor is None:
        return reply
    update: dict = {"content": _texts(reply.content, lambda text: redactor.restore(text, _json_string))}
    if reply.tool_calls:
        update["tool_calls"] = [{**call, "args": _texts(call["args"], redactor.restore)} for call in reply.tool_calls]
    return reply.model_copy(update=update)


def call_model(
    runnable: Runnable, messages: Sequence[BaseMessage], model: RoomModel, on_usage: UsageSink | None
) -> AIMessage:
    """Invoke once through the boundary (`outgoing`, `incoming`), turning transport failures into typed errors
    and recording usage."""
    started = time.perf_counter()
    sent = outgoing(model, messages)
    try:
        with model.api_errors():
            reply = incoming(model, runnable.invoke(sent))
    except openai.LengthFinishReasonError as exc:
        if on_usage is not None and exc.completion.usage:
            u = exc.completion.usage
            on_usage(Usage(model.label, u.prompt_tokens, u.completion_tokens, time.perf_counter() - started))
        raise TruncatedReply("the reply was cut off at the token limit; answer more briefly") from None
    if on_usage is not None:
        meta = getattr(reply, "usage_metadata", None) or {}
        on_usage(
            Usage(
                model=model.label,
                input_tokens=int(meta.get("input_tokens", 0)),
                output_tokens=int(meta.get("output_tokens", 0)),
                seconds=time.perf_counter() - started,
            )
        )
    return reply


def ask_structured(
    model: RoomModel,
    messages: Sequence[BaseMessage],
    schema: type[BaseModel],
    *,
    retries: int = 2,
    max_tokens: int = 1024,
    on_usage: UsageSink | None = None,
) -> BaseModel:
    """Get a valid `schema` instance from the model, or raise ModelOutputError."""
    convo = list(messages)
    if model.structured_method == "json_mode":
        convo = _with_schema_hint(convo, schema)
    runnable = _bind(model, schema, max_tokens)
    reason = ""
    for _ in range(retries + 1):
        ahead(on_usage, model, convo, max_tokens)
        try:
            reply = call_model(runnable, convo, model, on_usage)
        except TruncatedReply as exc:
            reason = str(exc)
            convo = [
                *convo,
                HumanMessage(
                    f"Your last reply was cut off at the token limit. Reply with a shorter, complete {schema.__name__} JSON."
                ),
            ]
            continue
        try:
            return parse_reply(reply, schema, model.structured_method)
        except ValueError as exc:
            reason = str(exc)
            convo = [
                *convo,
                AIMessage(_raw_output(reply, "text") if model.structured_method != "tools" else str(reply.tool_calls)),
                HumanMessage(
                    f"That reply is not a valid {schema.__name__}: {reason}. Reply again with the corrected JSON only."
                ),
            ]
    raise ModelOutputError(
        f"'{model.label}' gave no valid {schema.__name__} in {retries + 1} attempts (last problem: {reason})"
    )


def stream_text(
    model: RoomModel,
    messages: Sequence[BaseMessage],
    *,
    max_tokens: int = 400,
    on_usage: UsageSink | None = None,
) -> Iterator[str]:
    """Stream a free-text answer chunk by chunk (chat), through the boundary: sent as `outgoing` makes it, and
    the placeholders put back as the answer arrives."""
    chat = model.chat.bind(max_tokens=max_tokens, **({"stop": list(model.text_stop)} if model.text_stop else {}))
    ahead(on_usage, model, messages, max_tokens)
    started = time.perf_counter()
    usage: dict = {}

    def chunks() -> Iterator[str]:
        nonlocal usage
        for chunk in chat.stream(outgoing(model, messages)):
            if chunk.usage_metadata:
                usage = chunk.usage_metadata
            if isinstance(chunk.content, str) and chunk.content:
                yield chunk.content

    with model.api_errors():
        yield from chunks() if model.redactor is None else model.redactor.restore_stream(chunks())
    if on_usage is not None:
        on_usage(
            Usage(
                model.label,
                int(usage.get("input_tokens", 0)),
                int(usage.get("output_tokens", 0)),
                time.perf_counter() - started,
            )
        )
