"""``tfl-inspect diagnose FILE``: why a conversion failed and what to change.

FILE is a converter error message saved to a file, an MLIR dump, a litert-torch (or onnx2tf)
failure traceback, or (with TensorFlow installed) a ``.keras``/``.h5`` model or SavedModel
directory, which is converted first (a PyTorch module: ``tfl_inspect.convert_torch``). A model
converted already (``.tflite``, ``.litertlm``, ``.task``) is read and has nothing to explain.
Exit codes: 0 nothing failed (or the model converted), 1 failures explained, 2 unreadable input.
"""

from __future__ import annotations

import argparse

__all__ = ["HELP", "add_arguments", "run"]

HELP = (
    "explain a failed TFLite conversion (TF converter error text, .mlir, a litert-torch/onnx2tf traceback, or a "
    "Keras/SavedModel model to convert)"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source",
        help="converter error text, litert-torch/onnx2tf traceback, .mlir dump, or (needs TensorFlow) .keras/.h5 "
        "file or SavedModel dir",
    )
    parser.add_argument(
        "--keras",
        metavar="MODEL",
        default=None,
        help="the .keras model the error came from: exact layer names, classes and input shapes (needs TensorFlow)",
    )
    parser.add_argument(
        "--select-tf-ops",
        action="store_true",
        help="when converting here: allow Select TF ops (TFLITE_BUILTINS + SELECT_TF_OPS)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def _converted_model(source: str) -> bool:
    """A flatbuffer or an LLM bundle (not error text or MLIR), judged by its first bytes."""
    import os

    from ..readers.containers import container_kind
    from ..readers.flatbuffer import looks_like_flatbuffer

    if not os.path.isfile(source):
        return False
    try:
        with open(source, "rb") as fh:
            head = fh.read(64)
    except OSError:
        return False
    return looks_like_flatbuffer(head) or container_kind(head, source) is not None


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from ..diagnosis import diagnose, is_convertible
    from ..errors import UsageError

    options = {}
    if args.select_tf_ops:
        if not is_convertible(args.source):
            raise UsageError("--select-tf-ops only applies when SOURCE is a model to convert")
        import tensorflow as tf  # type: ignore[import-untyped]

        options["supported_ops"] = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    keras_model = None
    if args.keras is not None:
        from ..converter import load_keras_model

        keras_model = load_keras_model(args.keras)
    if is_convertible(args.source):
        from ..converter import try_convert

        result = try_convert(args.source, **options)[1]
    elif _converted_model(args.source):
        from ..readers import load

        # A .tflite or an LLM bundle converted already: nothing failed, but it is read and checked.
        result = diagnose(load(args.source), keras_model=keras_model)
    else:
        result = diagnose(args.source, keras_model=keras_model)
    if args.format == "json":
        from ..exporters.console import is_terminal
        from ..exporters.diagnosis import to_json_dict

        indent = 2 if is_terminal(sys.stdout) else None
        sys.stdout.write(json.dumps(to_json_dict(result), indent=indent, ensure_ascii=False) + "\n")
    else:
        from ..exporters.diagnosis import print_text

        print_text(result)
    return 0 if result.ok else 1
