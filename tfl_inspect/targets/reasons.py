"""Reason codes for "why not on this target", in the spirit of LiteRT's delegate checker.

The codes follow ``CompatibilityFailureType`` in
``tflite/tools/delegates/compatibility/protos/compatibility_result.proto`` (LiteRT commit
f67457790c9c2ab67347d6fe53270e8d3df20868) without the ``DCC_`` prefix, plus the few a
whole-model view needs (an op left out of the one partition a runtime keeps, a dynamic
tensor, a model-level limit). Every reason carries a plain sentence naming the operand and
the value that fails, and where we know one, the change that fixes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from ..remedies import Text, say

if TYPE_CHECKING:
    from ..provenance import Producer

__all__ = ["CODES", "Reason", "OpVerdict", "Reject", "SUPPORTED", "UNSUPPORTED", "CAVEAT"]

CODES: dict[str, str] = {
    "UNSUPPORTED_QUANTIZATION_PARAMETERS": "quantization parameters the target cannot use",
    "INVALID_ARGUMENT": "an option or operand value outside what the kernel accepts",
    "UNSUPPORTED_OPERATOR": "the target has no kernel for this operator",
    "UNSUPPORTED_OPERATOR_VERSION": "the target supports only older versions of this operator",
    "UNSUPPORTED_INPUT_TYPE": "an input's type is not supported",
    "UNSUPPORTED_OUTPUT_TYPE": "an output's type is not supported",
    "UNSUPPORTED_OPERAND_SIZE": "an operand has an unsupported number of elements or count",
    "UNSUPPORTED_OPERAND_VALUE": "an operand's value is not supported",
    "UNSUPPORTED_HYBRID_OPERATOR": "dynamic-range (hybrid) kernels are not supported",
    "UNSUPPORTED_QUANTIZATION_TYPE": "this quantization scheme is not supported",
    "MISSING_REQUIRED_OPERAND": "an operand the target needs is omitted",
    "UNSUPPORTED_OPERAND_RANK": "an operand's rank is not supported",
    "INPUT_TENSOR_SHOULD_HAVE_CONSTANT_SHAPE": "an operand must be a constant or have a static shape",
    "UNSUPPORTED_OPERATOR_VARIANT": "this variant of the operator (options, fused activation) is not supported",
    "NO_ACTIVATION_EXPECTED": "a fused activation the target cannot apply",
    "CONSTANT_INPUT_REQUIRED": "an operand must be a constant in the file",
    "DYNAMIC_TENSOR": "a tensor's shape is only known at run time",
    "OUTSIDE_PARTITION": "supported, but the runtime does not place it in the partition it keeps",
    "MODEL_LIMIT": "a whole-model requirement of the target is not met",
}

SUPPORTED = "supported"
UNSUPPORTED = "unsupported"
CAVEAT = "caveat"


@dataclass(frozen=True, slots=True)
class Reason:
    """One failed (or unchecked) requirement; ``fix`` says what to change where we know it.

    A fix naming framework API is a :mod:`tfl_inspect.remedies` text, put in the model's producer's
    words by :meth:`for_producer` when the report is made.
    """

    code: str
    message: str
    operand: str | None = None
    fix: Text | None = None

    def to_json(self) -> dict[str, str]:
        out = {"code": self.code, "message": self.message}
        if self.operand is not None:
            out["operand"] = self.operand
        if self.fix is not None:
            out["fix"] = say(self.fix)
        return out

    def for_producer(self, producer: Producer | None) -> Reason:
        """This reason with its fix as plain text for ``producer``."""
        if self.fix is None or isinstance(self.fix, str):
            return self
        return replace(self, fix=say(self.fix, producer))


class Reject(Exception):  # noqa: N818 - a control-flow signal, like TF_LITE_ENSURE_STATUS
    """Raised by a rule to stop checking an op, as the runtime's ``return kTfLiteError`` does."""

    def __init__(self, code: str, message: str, operand: str | None = None, fix: Text | None = None) -> None:
        super().__init__(message)
        self.reason = Reason(code, message, operand, fix)


class OpVerdict(NamedTuple):
    """What one target does with one operator: ``supported``, ``unsupported`` or ``caveat``.

    ``caveat`` = supported by the rules we can check, with a condition we cannot check offline
    (``caveats`` says which). ``reasons`` explains ``unsupported``. A NamedTuple: a 10k-op
    model makes 50k of these.
    """

    subgraph: int
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose: the op index
    opcode: str
    status: str
    reasons: tuple[Reason, ...] = ()
    caveats: tuple[str, ...] = ()

    @property
    def supported(self) -> bool:
        return self.status != UNSUPPORTED
