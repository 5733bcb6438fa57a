"""Shape rules, one function per op family, registered by builtin opcode name.

Importing this package registers every family; :data:`RULES` maps an opcode to its rule.
"""

from __future__ import annotations

from . import conv, elementwise, layout, recurrent, reduce, slicing  # noqa: F401 - registration
from .base import RULES, CannotInferError, OpContext, has_rule, rule

__all__ = ["RULES", "OpContext", "CannotInferError", "has_rule", "rule"]
