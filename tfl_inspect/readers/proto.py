"""Just enough of the protobuf wire format to read the small metadata protos inside LLM bundles.

No protobuf dependency: a message is read field by field (varint, 64-bit, length-delimited,
32-bit) against a table of the fields we name; unknown fields are skipped. The tables are ported
from the ``.proto`` files they cite (field numbers and names only).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Any

from ..errors import ModelFormatError

__all__ = ["decode", "Field", "LLM_METADATA", "EXECUTOR_METADATA", "LLM_PARAMETERS"]

# (name, kind, sub-message table or enum names, repeated)
Field = tuple[str, str, Any, bool]
Schema = Mapping[int, Field]


def _varint(raw: bytes, i: int) -> tuple[int, int]:
    out = shift = 0
    while True:
        if i >= len(raw) or shift > 63:
            raise ValueError("truncated varint")
        b = raw[i]
        i += 1
        out |= (b & 0x7F) << shift
        if b < 0x80:
            return out, i
        shift += 7


def _signed(v: int, bits: int = 64) -> int:
    return v - (1 << bits) if v >= 1 << (bits - 1) else v


def decode(raw: bytes, schema: Schema, what: str = "proto") -> dict[str, Any]:
    """The fields of ``schema`` found in ``raw``; a malformed message is a ModelFormatError naming ``what``."""
    try:
        return _decode(raw, schema)
    except (ValueError, struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"corrupt {what}: {exc}") from None


def _decode(raw: bytes, schema: Schema) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i = 0
    while i < len(raw):
        key, i = _varint(raw, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value: Any
            value, i = _varint(raw, i)
        elif wire == 1:
            value = raw[i : i + 8]
            i += 8
        elif wire == 2:
            n, i = _varint(raw, i)
            if i + n > len(raw):
                raise ValueError("length runs past the end")
            value = raw[i : i + n]
            i += n
        elif wire == 5:
            value = raw[i : i + 4]
            i += 4
        else:
            raise ValueError(f"wire type {wire}")
        field = schema.get(number)
        if field is None:
            continue
        name, kind, sub, repeated = field
        values = _convert(value, wire, kind, sub)
        if repeated:
            out.setdefault(name, []).extend(values)
        elif values:
            out[name] = values[-1]
    return out


def _convert(value: Any, wire: int, kind: str, sub: Any) -> list[Any]:
    if kind == "string":
        return [bytes(value).decode("utf-8")]
    if kind == "message":
        return [_decode(bytes(value), sub)]
    if kind == "oneof":  # a message whose set field is all that matters: its name
        return [sub.get(_first_field(bytes(value)), "unknown")] if sub else []
    if kind == "float":
        if wire == 2:  # packed
            return list(struct.unpack(f"<{len(value) // 4}f", value))
        return [struct.unpack("<f", value)[0]]
    ints: list[int] = []
    if wire == 2:  # packed repeated scalars
        j = 0
        while j < len(value):
            v, j = _varint(value, j)
            ints.append(v)
    else:
        ints = [value]
    if kind == "bool":
        return [bool(v) for v in ints]
    if kind == "enum":
        return [sub.get(v, v) for v in ints]
    return [_signed(v) for v in ints]


def _first_field(raw: bytes) -> int:
    if not raw:
        return 0
    key, _ = _varint(raw, 0)
    return key >> 3


# --- litert-lm: runtime/proto/{llm_metadata,token,llm_model_type,sampler_params,executor_metadata}.proto -------
# (google-ai-edge/LiteRT-LM; executor_metadata.proto as litert-lm-builder 0.18.1 ships it)
_TOKEN_IDS: Schema = {1: ("ids", "int", None, True)}
_TOKEN: Schema = {1: ("token_ids", "message", _TOKEN_IDS, False), 2: ("token_str", "string", None, False)}
_AFFIXES: Schema = {1: ("prefix", "string", None, False), 2: ("suffix", "string", None, False)}
_TEMPLATES: Schema = {
    1: ("user", "message", _AFFIXES, False),
    2: ("model", "message", _AFFIXES, False),
    3: ("system", "message", _AFFIXES, False),
}
_SAMPLER: Schema = {
    1: ("type", "enum", {0: "TYPE_UNSPECIFIED", 1: "TOP_K", 2: "TOP_P", 3: "GREEDY"}, False),
    2: ("k", "int", None, False),
    3: ("p", "float", None, False),
    4: ("temperature", "float", None, False),
    5: ("seed", "int", None, False),
}
_MODEL_TYPES = {
    1: "generic_model",
    2: "gemma3n",
    3: "function_gemma",
    4: "gemma3",
    5: "qwen3",
    7: "qwen2p5",
    8: "gemma4",
    9: "fast_vlm",
    11: "lfm2",
    12: "minicpm5",
    13: "minicpmv4",
}
LLM_METADATA: Schema = {
    1: ("start_token", "message", _TOKEN, False),
    2: ("stop_tokens", "message", _TOKEN, True),
    3: ("prompt_templates", "message", _TEMPLATES, False),
    4: ("sampler_params", "message", _SAMPLER, False),
    5: ("max_num_tokens", "int", None, False),
    6: ("llm_model_type", "oneof", _MODEL_TYPES, False),
    7: ("jinja_prompt_template", "string", None, False),
    10: ("kv_cache_init_value", "int", None, False),
    11: ("supports_thinking", "bool", None, False),
    12: ("supports_function_calling", "bool", None, False),
    13: ("pad_token", "message", _TOKEN, False),
    14: ("min_runtime_version", "string", None, False),
}
_STATE_TYPES = {
    0: "TYPE_UNSPECIFIED",
    1: "TYPE_GLOBAL_KEY_CACHE",
    2: "TYPE_GLOBAL_VALUE_CACHE",
    3: "TYPE_LOCAL_KEY_CACHE",
    4: "TYPE_LOCAL_VALUE_CACHE",
    5: "TYPE_LINEAR_ATTENTION",
}
_STATE_BUFFER: Schema = {
    1: ("prefill_input_name", "string", None, False),
    2: ("prefill_output_name", "string", None, False),
    3: ("decode_input_name", "string", None, False),
    4: ("decode_output_name", "string", None, False),
    5: ("policy", "enum", {0: "POLICY_DEFAULT"}, False),
    6: ("type", "enum", _STATE_TYPES, False),
    7: ("sequence_axis", "int", None, False),
    8: ("minimum_sequence_length", "int", None, False),
    9: ("maximum_sequence_length", "int", None, False),
}
_MASK_TYPES = {
    0: "ATTENTION_MASK_TYPE_UNSPECIFIED",
    1: "ATTENTION_MASK_TYPE_CAUSAL",
    2: "ATTENTION_MASK_TYPE_BIDIRECTIONAL",
    3: "ATTENTION_MASK_TYPE_VISION_BIDIRECTIONAL",
}
_MASK: Schema = {
    1: ("attention_mask_type", "enum", _MASK_TYPES, False),
    2: ("local_attention_mask_type", "enum", _MASK_TYPES, False),
    3: ("sliding_window_size", "int", None, False),
}
_LLM_EXECUTOR: Schema = {
    1: ("max_history_size", "int", None, False),
    2: ("state_buffers", "message", _STATE_BUFFER, True),
    3: ("attention_mask_settings", "message", _MASK, False),
}
EXECUTOR_METADATA: Schema = {1: ("llm_executor_metadata", "message", _LLM_EXECUTOR, False)}

# --- MediaPipe: mediapipe/tasks/cc/genai/inference/proto/llm_params.proto, prompt_template.proto --------------
_PROMPT: Schema = {
    1: ("session_prefix", "string", None, False),
    2: ("prompt_prefix", "string", None, False),
    3: ("prompt_suffix", "string", None, False),
}
_PROMPTS: Schema = {
    1: ("user", "message", _PROMPT, False),
    2: ("model", "message", _PROMPT, False),
    3: ("system", "message", _PROMPT, False),
}
LLM_PARAMETERS: Schema = {
    2: ("vocab_size", "int", None, False),
    4: ("start_token_id", "int", None, False),
    5: ("stop_tokens", "string", None, True),
    6: ("start_token", "string", None, False),
    7: ("input_output_normalizations", "enum", {0: "UNKNOWN", 1: "BYTES_TO_UNICODE"}, True),
    8: ("prompt_template", "message", _PROMPT, False),
    9: ("num_draft_tokens", "int", None, False),
    11: ("user_role_token", "string", None, False),
    12: ("system_role_token", "string", None, False),
    13: ("model_role_token", "string", None, False),
    14: ("end_role_token", "string", None, False),
    17: ("prompt_templates", "message", _PROMPTS, False),
}
