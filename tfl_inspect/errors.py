"""The one exception family the API raises, so callers need a single ``except``."""

from __future__ import annotations

__all__ = ["TflInspectError", "ModelFormatError", "MlirSyntaxError", "UsageError"]


class TflInspectError(Exception):
    """Base of every error tfl-inspect raises on purpose.

    The CLI turns any of these into one line on stderr and exit code 2.
    """


class ModelFormatError(TflInspectError):
    """The input is not a readable model: what is wrong and, where known, where."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        self.detail = message
        super().__init__(f"{path}: {message}" if path else message)


class MlirSyntaxError(ModelFormatError):
    """MLIR text that does not parse, with the line and column of the problem."""

    def __init__(self, message: str, line: int, column: int, path: str | None = None) -> None:
        self.line = line
        self.column = column
        super().__init__(f"{line}:{column}: {message}", path)


class UsageError(TflInspectError):
    """A request that cannot apply to this model (unknown subgraph, signature, input name)."""
