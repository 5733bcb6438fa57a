"""Recursive-descent parser for MLIR text as the TFLite converter and Analyzer print it.

Covers the generic form (``"tfl.conv_2d"(%a, %b) <{props}> ({regions}) {attrs} : (...) -> ...``),
the custom forms the converter prints (``module``, ``func.func``, ``return``, ``func.call``,
``arith.constant``, ``stablehlo.composite`` and the one-type form ``tfl.mul %a, %b {...} : T``),
types (tensors with ``?`` and ``*``, ``!quant.uniform``/``!quant.calibrated``, dialect types),
attributes (``dense<...>``, ``dense_resource<...>``, dialect attributes kept as text) and
locations (``fused[...]``, ``callsite(... at ...)``, ``#loc`` aliases defined anywhere).
There is no maintained pure-Python MLIR parser that reads the TFL dialect without TensorFlow,
hence this small one. Errors are :class:`~tfl_inspect.errors.MlirSyntaxError` with line:column.
"""

from __future__ import annotations

import re
import struct
from typing import Any

from ...errors import MlirSyntaxError
from .ir import (
    Block,
    DenseElements,
    DenseResource,
    FunctionType,
    Loc,
    MlirString,
    Module,
    OpaqueAttr,
    Operation,
    QuantType,
    Region,
    SymbolRef,
    TensorType,
    TypeAttr,
)
from .lexer import Cursor, decode_string

__all__ = ["parse_module", "Parser"]

_INT = re.compile(r"\d+")
_SIMPLE_SHAPED = re.compile(r"(tensor|vector|memref)<((?:(?:\?|\d+)x)*)([a-z]\w*)>")
_BUILTIN_TYPE = re.compile(r"[su]?i\d+|f\d+|bf16|tf32|index|none|f[468]E\w+")
_ALIAS_DEF = re.compile(r"^([#!][\w$.\-]+)[ \t]*=[ \t]*", re.MULTILINE)
_RESOURCE = re.compile(r'([\w$.\-]+)\s*:\s*"0x([0-9A-Fa-f]*)"')
_QUANT_STORAGE = re.compile(r"\s*([a-z]+\d+)(?:<\s*(-?\d+)\s*:\s*(-?\d+)\s*>)?\s*:\s*([a-z]+\d+)(?:\s*:\s*(\d+))?\s*,")
_CALIBRATED = re.compile(r"\s*([a-z]+\d+)\s*<\s*([^:>]+):([^>]+)>\s*$")
_NUM_TOKEN = re.compile(
    r"\(|\)|[-+]?(?:0x[0-9A-Fa-f]+|\d+\.?\d*(?:[eE][-+]?\d+)?|inf|nan)|true|false|\"(?:[^\"\\]|\\.)*\""
)
_CONSTANT_OPS = {"arith.constant", "stablehlo.constant", "mhlo.constant", "tf.Const", "tfl.pseudo_const"}
_RETURN_OPS = {"return": "func.return", "func.return": "func.return", "tfl.yield": "tfl.yield"}


def _number(text: str) -> int | float:
    t = text.lower()
    if t.startswith(("0x", "-0x", "+0x")):
        return int(t, 16)
    if any(c in t for c in ".e") or t.lstrip("+-") in ("inf", "nan"):
        return float(t)
    return int(t)


class Parser:
    """Parses one document; ``#loc``/``!type`` aliases may be defined after their first use."""

    def __init__(self, text: str, path: str | None = None, start: int = 0) -> None:
        self.cur = Cursor(text, path, start)
        self.text = text
        self._alias_pos = {m.group(1): m.end() for m in _ALIAS_DEF.finditer(text)}
        self._alias_cache: dict[str, Any] = {}
        self._resolving: set[str] = set()
        self._types: dict[str, TensorType] = {}

    # --- document -----------------------------------------------------------------------
    def parse_module(self) -> Module:
        cur = self.cur
        ops: list[Operation] = []
        resources: dict[str, bytes] = {}
        while not cur.at_end():
            if cur.startswith("{-#"):
                resources.update(self._resources())
                continue
            if cur.peek() in "#!" and self._at_alias_definition():
                self._skip_alias_definition()
                continue
            ops.append(self.operation())
        return Module(ops, resources, cur.path)

    def _at_alias_definition(self) -> bool:
        save = self.cur.pos
        name = self.cur.prefixed_id(self.cur.peek())
        ok = name is not None and self.cur.accept("=")
        self.cur.pos = save
        return ok

    def _skip_alias_definition(self) -> None:
        cur = self.cur
        name = cur.prefixed_id(cur.peek())
        cur.expect("=")
        if name is not None and name.startswith("#"):
            self._attr_or_loc()
        else:
            self.type()

    def _attr_or_loc(self) -> Any:
        if self.cur.startswith("loc("):
            return self.location()
        return self.attribute()

    def _resources(self) -> dict[str, bytes]:
        cur = self.cur
        start = cur.pos
        end = self.text.find("#-}", start)
        if end < 0:
            raise cur.error("unterminated '{-#' resource section")
        cur.pos = end + 3
        out = {}
        for m in _RESOURCE.finditer(self.text, start, end):
            blob = bytes.fromhex(m.group(2))
            out[m.group(1)] = blob[4:]  # the first 4 bytes hold the blob's alignment
        return out

    def _alias(self, name: str, kind: str) -> Any:
        if name in self._alias_cache:
            return self._alias_cache[name]
        pos = self._alias_pos.get(name)
        if pos is None or name in self._resolving:
            raise self.cur.error(f"undefined alias {name}")
        self._resolving.add(name)
        saved = self.cur.pos
        self.cur.pos = pos
        try:
            if kind == "type":
                value = self.type()
            else:
                value = self._attr_or_loc()
        finally:
            self.cur.pos = saved
            self._resolving.discard(name)
        self._alias_cache[name] = value
        return value

    # --- operations ---------------------------------------------------------------------
    def operation(self) -> Operation:
        cur = self.cur
        cur.skip()
        line, col = cur.line_col()
        results = self._result_list()
        name_str = cur.string()
        if name_str is not None:
            name = decode_string(name_str).decode("utf-8", "replace")
            op = self._generic_tail(name)
        else:
            bare = cur.bare_id()
            if bare is None:
                raise cur.error(f"expected an operation, found {cur.describe()}")
            name = bare
            op = self._custom(name)
        op.line, op.column = line, col
        if results:
            op.results = self._expand_results(results, op)
        if cur.startswith("loc("):
            op.loc = self.location()
        return op

    def _result_list(self) -> list[tuple[str, int]]:
        cur = self.cur
        if not cur.startswith("%"):
            return []
        save = cur.pos
        out: list[tuple[str, int]] = []
        while True:
            name = cur.prefixed_id("%")
            if name is None:
                cur.pos = save
                return []
            count = 1
            if cur.accept(":"):
                n = cur.match(_INT)
                if n is None:
                    raise cur.error("expected a result count after ':'")
                count = int(n)
            out.append((name, count))
            if not cur.accept(","):
                break
        if not cur.accept("="):
            cur.pos = save
            return []
        return out

    @staticmethod
    def _expand_results(results: list[tuple[str, int]], op: Operation) -> list[str]:
        names: list[str] = []
        for name, count in results:
            names.extend([name] if count == 1 else [f"{name}#{i}" for i in range(count)])
        return names

    def _operand_list(self, close: str | None) -> list[str]:
        cur = self.cur
        out: list[str] = []
        if close is not None and cur.accept(close):
            return out
        while True:
            name = cur.prefixed_id("%")
            if name is None:
                if close is None and not out:
                    return out
                raise cur.error(f"expected an SSA value, found {cur.describe()}")
            out.append(name)
            if not cur.accept(","):
                break
        if close is not None:
            cur.expect(close)
        return out

    def _generic_tail(self, name: str) -> Operation:
        cur = self.cur
        op = Operation(name)
        cur.expect("(", "'(' and the operand list")
        op.operands = self._operand_list(")")
        if cur.accept("["):
            while not cur.accept("]"):
                succ = cur.prefixed_id("^")
                if succ is None:
                    raise cur.error(f"expected a successor block, found {cur.describe()}")
                op.successors.append(succ)
                if cur.accept("("):
                    cur.pos -= 1
                    cur.balanced("(", ")")
                cur.accept(",")
        if cur.startswith("<{"):
            cur.expect("<")
            op.properties = self.dictionary()
            cur.expect(">")
        if cur.startswith("(") and self._region_list_follows():
            op.regions = self._region_list()
        if cur.startswith("{"):
            op.attributes = self.dictionary()
        cur.expect(":", "':' and the operation's type")
        ftype = self.type()
        if not isinstance(ftype, FunctionType):
            raise cur.error("expected a function type '(...) -> ...' for a generic operation")
        op.operand_types = list(ftype.inputs)
        op.result_types = list(ftype.results)
        return op

    def _region_list_follows(self) -> bool:
        save = self.cur.pos
        self.cur.expect("(")
        ok = self.cur.startswith("{")
        self.cur.pos = save
        return ok

    def _region_list(self) -> list[Region]:
        cur = self.cur
        cur.expect("(")
        regions = [self.region()]
        while cur.accept(","):
            regions.append(self.region())
        cur.expect(")")
        return regions

    def region(self) -> Region:
        cur = self.cur
        cur.expect("{", "'{' to open a region")
        region = Region()
        block = None
        while not cur.accept("}"):
            if cur.at_end():
                raise cur.error("unterminated region: expected '}'")
            if cur.startswith("^"):
                block = self._block_header()
                region.blocks.append(block)
                continue
            if block is None:
                block = Block(None)
                region.blocks.append(block)
            block.operations.append(self.operation())
        return region

    def _block_header(self) -> Block:
        cur = self.cur
        label = cur.prefixed_id("^")
        block = Block(label)
        if cur.accept("("):
            if not cur.accept(")"):
                while True:
                    block.arguments.append(self._argument())
                    if not cur.accept(","):
                        break
                cur.expect(")")
        cur.expect(":", "':' after the block label")
        return block

    def _argument(self) -> tuple[str, Any, dict[str, Any], Loc | None]:
        cur = self.cur
        name = cur.prefixed_id("%")
        if name is None:
            raise cur.error(f"expected a block argument, found {cur.describe()}")
        cur.expect(":")
        typ = self.type()
        attrs = self.dictionary() if cur.startswith("{") else {}
        loc = self.location() if cur.startswith("loc(") else None
        return name, typ, attrs, loc

    # --- custom forms -------------------------------------------------------------------
    def _custom(self, name: str) -> Operation:
        cur = self.cur
        if name in ("module", "builtin.module"):
            return self._module_op()
        if name == "func.func":
            return self._func_op()
        if cur.startswith("("):
            return self._generic_tail(name)  # e.g. `tfl.mul(%a, %b) <{...}> : (...) -> ...`
        if name in _RETURN_OPS:
            op = Operation(_RETURN_OPS[name])
            op.operands = self._operand_list(None)
            if cur.startswith("{"):
                op.attributes = self.dictionary()
            if op.operands:
                cur.expect(":")
                op.operand_types = self._type_list()
            return op
        if name in ("func.call", "call"):
            op = Operation("func.call")
            callee = cur.prefixed_id("@")
            if callee is None:
                raise cur.error("expected '@callee'")
            op.properties["callee"] = SymbolRef(callee[1:])
            cur.expect("(")
            op.operands = self._operand_list(")")
            if cur.startswith("{"):
                op.attributes = self.dictionary()
            cur.expect(":")
            self._set_types(op, self.type())
            return op
        if name in _CONSTANT_OPS or self._attribute_follows():
            op = Operation(name)
            if cur.startswith("{"):
                op.attributes = self.dictionary()
            value = self.attribute()
            op.properties["value"] = value
            vtype = getattr(value, "type", None)
            if cur.accept(":"):
                vtype = self.type()
            if vtype is not None:
                op.result_types = [vtype]
            return op
        return self._one_line_custom(name)

    def _attribute_follows(self) -> bool:
        cur = self.cur
        return (
            cur.startswith("dense<")
            or cur.startswith("dense_resource<")
            or (bool(cur.peek()) and (cur.peek().isdigit() or cur.peek() == "-"))
        )

    def _one_line_custom(self, name: str) -> Operation:
        """`op ["name"] [@sym] %a, %b [<{props}>] [{attrs}] : type | (types) -> types`."""
        cur = self.cur
        op = Operation(name)
        label = cur.string()
        if label is not None:
            op.properties["name"] = MlirString(decode_string(label))
        sym = cur.prefixed_id("@")
        if sym is not None:
            op.properties["callee"] = SymbolRef(sym[1:])
        op.operands = self._operand_list(None)
        if cur.startswith("<{"):
            cur.expect("<")
            op.properties.update(self.dictionary())
            cur.expect(">")
        if cur.startswith("{"):
            op.attributes = self.dictionary()
        if cur.startswith("(") and self._region_list_follows():
            op.regions = self._region_list()
        if not cur.accept(":"):
            raise cur.error(f"expected ':' and the type of '{name}', found {cur.describe()}")
        types = self._type_list()
        if len(types) == 1 and isinstance(types[0], FunctionType):
            self._set_types(op, types[0])
        else:
            # The one-type form: every operand and the result share the type (SameOperandsAndResultType).
            op.operand_types = types if len(types) == len(op.operands) else [types[-1]] * len(op.operands)
            op.result_types = [types[-1]]
        return op

    @staticmethod
    def _set_types(op: Operation, typ: Any) -> None:
        if isinstance(typ, FunctionType):
            op.operand_types = list(typ.inputs)
            op.result_types = list(typ.results)
        else:
            op.result_types = [typ]

    def _module_op(self) -> Operation:
        cur = self.cur
        op = Operation("builtin.module")
        sym = cur.prefixed_id("@")
        if sym is not None:
            op.properties["sym_name"] = MlirString(sym[1:].encode())
        if cur.accept("attributes"):
            op.attributes = self.dictionary()
        op.regions = [self.region()]
        return op

    def _func_op(self) -> Operation:
        cur = self.cur
        op = Operation("func.func")
        for vis in ("private", "public", "nested"):
            if cur.accept(vis):
                op.properties["sym_visibility"] = MlirString(vis.encode())
                break
        sym = cur.prefixed_id("@")
        if sym is None:
            raise cur.error(f"expected '@name' after func.func, found {cur.describe()}")
        op.properties["sym_name"] = MlirString(sym[1:].encode())
        cur.expect("(")
        args: list[tuple[str, Any, dict[str, Any], Loc | None]] = []
        if not cur.accept(")"):
            while True:
                if cur.startswith("%"):
                    args.append(self._argument())
                else:
                    typ = self.type()
                    attrs = self.dictionary() if cur.startswith("{") else {}
                    args.append((f"%arg{len(args)}", typ, attrs, None))
                if not cur.accept(","):
                    break
            cur.expect(")")
        results: list[tuple[Any, dict[str, Any]]] = []
        if cur.accept("->"):
            if cur.startswith("(") and not self._function_type_follows():
                cur.expect("(")
                if not cur.accept(")"):
                    while True:
                        typ = self.type()
                        attrs = self.dictionary() if cur.startswith("{") else {}
                        if cur.startswith("loc("):
                            self.location()
                        results.append((typ, attrs))
                        if not cur.accept(","):
                            break
                    cur.expect(")")
            else:
                results.append((self.type(), {}))
        op.properties["function_type"] = TypeAttr(FunctionType(tuple(a[1] for a in args), tuple(r[0] for r in results)))
        if any(a[2] for a in args):
            op.properties["arg_attrs"] = [a[2] for a in args]
        if any(r[1] for r in results):
            op.properties["res_attrs"] = [r[1] for r in results]
        if cur.accept("attributes"):
            op.attributes = self.dictionary()
        if cur.startswith("{"):
            region = self.region()
            if region.blocks and region.blocks[0].label is None:
                region.blocks[0].arguments = args
            elif not region.blocks:
                region.blocks.append(Block(None, args))
            op.regions = [region]
        return op

    def _function_type_follows(self) -> bool:
        save = self.cur.pos
        try:
            self.cur.balanced("(", ")")
            return self.cur.startswith("->")
        except MlirSyntaxError:
            return False
        finally:
            self.cur.pos = save

    # --- types --------------------------------------------------------------------------
    def _type_list(self) -> list[Any]:
        types = [self.type()]
        while self.cur.accept(","):
            types.append(self.type())
        return types

    def type(self) -> Any:
        cur = self.cur
        cur.skip()
        c = cur.peek()
        if c == "(":
            cur.expect("(")
            inputs: list[Any] = []
            if not cur.accept(")"):
                inputs = self._type_list()
                cur.expect(")")
            cur.expect("->", "'->' in a function type")
            if cur.startswith("("):
                cur.expect("(")
                results: list[Any] = []
                if not cur.accept(")"):
                    results = self._type_list()
                    cur.expect(")")
            else:
                results = [self.type()]
            return FunctionType(tuple(inputs), tuple(results))
        if c == "!":
            return self._dialect_type()
        start = cur.pos
        word = cur.bare_id()
        if word is None:
            raise cur.error(f"expected a type, found {cur.describe()}")
        if word in ("tensor", "vector", "memref") and cur.text.startswith("<", cur.pos):
            simple = _SIMPLE_SHAPED.match(cur.text, start)
            if simple is not None:  # fast path for the common `tensor<?x4xf32>`, cached
                key = simple.group()
                cached = self._types.get(key)
                if cached is None and _BUILTIN_TYPE.fullmatch(simple.group(3)):
                    dims = tuple(None if d == "?" else int(d) for d in simple.group(2).split("x")[:-1])
                    cached = self._types[key] = TensorType(dims, simple.group(3), simple.group(1))
                if cached is not None:
                    cur.pos = simple.end()
                    return cached
            return self._shaped(word)
        if cur.text.startswith("<", cur.pos):  # complex<f32>, tuple<...>
            cur.balanced()
            return cur.text[start : cur.pos]
        if not _BUILTIN_TYPE.fullmatch(word):
            raise cur.error(f"unknown type '{word}'", start)
        return word

    def _shaped(self, kind: str) -> TensorType:
        cur = self.cur
        text = cur.text
        cur.pos += 1  # "<"
        dims: list[int | None] | None = []
        while True:
            cur.skip()
            ch = text[cur.pos : cur.pos + 1]
            if ch in ("?", "*") or ch.isdigit():
                if dims is None or (ch == "*" and dims):
                    raise cur.error("'*' (unranked) must be the only dimension")
            if ch == "?":
                dims.append(None)  # type: ignore[union-attr]
                cur.pos += 1
            elif ch == "*":
                dims = None
                cur.pos += 1
            elif ch.isdigit():
                m = _INT.match(text, cur.pos)
                assert m is not None
                # a dimension only when followed by 'x' (else it is not a shape, e.g. bad text)
                if not text.startswith("x", m.end()):
                    raise cur.error("expected 'x' after a dimension")
                dims.append(int(m.group()))  # type: ignore[union-attr]
                cur.pos = m.end()
            else:
                break
            if not text.startswith("x", cur.pos):
                raise cur.error("expected 'x' after a dimension")
            cur.pos += 1
        element = self.type()
        if cur.startswith(","):  # encoding attribute, e.g. sparse tensors
            cur.expect(",")
            self.attribute()
        cur.expect(">", f"'>' to close {kind}<...>")
        return TensorType(None if dims is None else tuple(dims), element, kind)

    def _dialect_type(self) -> Any:
        cur = self.cur
        start = cur.pos
        name = cur.prefixed_id("!")
        if name is None:
            raise cur.error(f"expected a type, found {cur.describe()}")
        if name in self._alias_pos and not cur.text.startswith("<", cur.pos):
            return self._alias(name, "type")
        if cur.text.startswith("<", cur.pos):
            body = cur.balanced()
            full = cur.text[start : cur.pos]
            if name == "!quant.uniform":
                return self._quant_uniform(body[1:-1], full, start)
            if name == "!quant.calibrated":
                m = _CALIBRATED.match(body[1:-1])
                if m:
                    return QuantType(m.group(1), m.group(1), min=float(m.group(2)), max=float(m.group(3)), text=full)
            return full
        return name

    def _quant_uniform(self, inner: str, full: str, pos: int) -> QuantType:
        m = _QUANT_STORAGE.match(inner)
        if not m:
            raise self.cur.error(f"cannot read quantized type {full[:60]}", pos)
        storage, smin, smax, expressed, axis = m.groups()
        params = inner[m.end() :].strip()
        if params.startswith("{"):
            entries = [e.strip() for e in params.strip("{}").split(",") if e.strip()]
        else:
            entries = [params]
        scales: list[float] = []
        zps: list[int] = []
        try:
            for e in entries:
                scale, _, zp = e.partition(":")
                scales.append(float(scale))
                zps.append(int(zp) if zp else 0)
        except ValueError:
            scales, zps = [], []  # a layout this reader does not model (e.g. sub-channel blocks)
        return QuantType(
            storage,
            expressed,
            tuple(scales),
            tuple(zps),
            None if axis is None else int(axis),
            None if smin is None else int(smin),
            None if smax is None else int(smax),
            text=full,
        )

    # --- attributes ---------------------------------------------------------------------
    def dictionary(self) -> dict[str, Any]:
        cur = self.cur
        cur.expect("{")
        out: dict[str, Any] = {}
        if cur.accept("}"):
            return out
        while True:
            key_lit = cur.string()
            if key_lit is not None:
                key = decode_string(key_lit).decode("utf-8", "replace")
            else:
                key = cur.expect_bare_id("an attribute name")
            out[key] = self.attribute() if cur.accept("=") else True
            if not cur.accept(","):
                break
        cur.expect("}", "',' or '}' in an attribute dictionary")
        return out

    def attribute(self) -> Any:
        cur = self.cur
        cur.skip()
        c = cur.peek()
        if c == "{":
            return self.dictionary()
        if c == "[":
            cur.expect("[")
            items: list[Any] = []
            if not cur.accept("]"):
                while True:
                    items.append(self.attribute())
                    if not cur.accept(","):
                        break
                cur.expect("]", "',' or ']' in an array attribute")
            return items
        if c == '"':
            string = MlirString(decode_string(cur.string() or '""'))
            if cur.accept(":"):
                self.type()
            return string
        if c == "@":
            sym = cur.prefixed_id("@") or "@"
            while cur.accept("::"):
                sym += "::" + (cur.prefixed_id("@") or "")
            return SymbolRef(sym[1:])
        if c == "#":
            return self._hash_attr()
        if c.isdigit() or c in "-+":
            text = cur.number()
            if text is None:
                raise cur.error(f"expected a number, found {cur.describe()}")
            value: Any = _number(text)
            if cur.accept(":"):
                typ = self.type()
                if isinstance(typ, str) and typ.startswith(("f", "bf")):
                    value = float(value)
                    if typ in ("f32", "f16", "bf16"):
                        # printed with 9 digits: round back to the float32 the file holds
                        value = struct.unpack("<f", struct.pack("<f", value))[0]
            return value
        if c in "tfu":
            for word, val in (("true", True), ("false", False), ("unit", True)):
                if cur.accept(word):
                    return val
        if cur.startswith("dense<"):
            return self._dense()
        if cur.startswith("dense_resource<"):
            cur.expect("dense_resource")
            name = cur.balanced()[1:-1].strip()
            cur.expect(":")
            return DenseResource(name, self.type())
        for word in ("array<", "sparse<", "affine_map<", "affine_set<", "strided<", "distinct["):
            if cur.startswith(word):
                start = cur.pos
                cur.pos += len(word) - 1
                cur.balanced(word[-1], ">" if word[-1] == "<" else "]")
                if cur.startswith("<"):
                    cur.balanced()
                return OpaqueAttr(cur.text[start : cur.pos])
        return TypeAttr(self.type())

    def _hash_attr(self) -> Any:
        cur = self.cur
        start = cur.pos
        name = cur.prefixed_id("#")
        if name is None:
            raise cur.error(f"expected an attribute, found {cur.describe()}")
        if not cur.text.startswith("<", cur.pos):
            return self._alias(name, "attr")
        body = cur.balanced()[1:-1].strip()
        text = cur.text[start : cur.pos]
        value: Any = None
        if body.startswith("const_bytes"):
            m = re.search(r'"0x([0-9A-Fa-f]*)"', body)
            value = bytes.fromhex(m.group(1)) if m else b""
        else:
            words = body.split()
            if len(words) == 2 and re.fullmatch(r"[\w]+", words[1]):
                value = words[1]  # e.g. #tfl<mirror_pad_attr REFLECT>
        return OpaqueAttr(text, value)

    def _dense(self) -> DenseElements:
        cur = self.cur
        cur.expect("dense")
        body = cur.balanced()[1:-1].strip()
        cur.expect(":", "':' and the type of a dense attribute")
        typ = self.type()
        if not body:
            return DenseElements(typ, ())
        if body.startswith('"0x') and body.endswith('"'):
            return DenseElements(typ, (), hex=body[3:-1])
        splat = not body.startswith("[")
        values: list[Any] = []
        complex_parts: list[Any] | None = None
        for tok in _NUM_TOKEN.findall(body):
            if tok == "(":
                complex_parts = []
            elif tok == ")":
                if complex_parts is not None and len(complex_parts) == 2:
                    values.append(complex(complex_parts[0], complex_parts[1]))
                complex_parts = None
            else:
                v: Any
                if tok == "true":
                    v = True
                elif tok == "false":
                    v = False
                elif tok.startswith('"'):
                    v = MlirString(decode_string(tok))
                else:
                    v = _number(tok)
                if complex_parts is not None:
                    complex_parts.append(v)
                else:
                    values.append(v)
        return DenseElements(typ, tuple(values), splat=splat)

    # --- locations ----------------------------------------------------------------------
    def location(self) -> Loc:
        cur = self.cur
        start = cur.pos
        cur.expect("loc")
        cur.expect("(")
        loc = self._loc_inner()
        cur.expect(")", "')' to close loc(...)")
        return loc if loc.text else Loc(loc.kind, loc.name, loc.children, cur.text[start : cur.pos])

    def _loc_inner(self) -> Loc:
        cur = self.cur
        cur.skip()
        start = cur.pos
        lit = cur.string()
        if lit is not None:
            name = decode_string(lit).decode("utf-8", "replace")
            if cur.text.startswith(":", cur.pos) and cur.text[cur.pos + 1 : cur.pos + 2].isdigit():
                cur.pos += 1
                cur.match(_INT)
                if cur.text.startswith(":", cur.pos):
                    cur.pos += 1
                    cur.match(_INT)
                if cur.accept("to"):
                    cur.match(re.compile(r"[:\d]+"))
                return Loc("file", name, (), cur.text[start : cur.pos])
            children: tuple[Loc, ...] = ()
            if cur.text.startswith("(", cur.pos):
                cur.expect("(")
                children = (self._loc_inner(),)
                cur.expect(")")
            return Loc("name", name, children, cur.text[start : cur.pos])
        if cur.accept("unknown"):
            return Loc("unknown", text="unknown")
        if cur.accept("fused"):
            if cur.startswith("<"):
                cur.balanced()
            cur.expect("[")
            parts: list[Loc] = []
            if not cur.accept("]"):
                while True:
                    parts.append(self._loc_inner())
                    if not cur.accept(","):
                        break
                cur.expect("]")
            return Loc("fused", None, tuple(parts), cur.text[start : cur.pos])
        if cur.accept("callsite"):
            cur.expect("(")
            callee = self._loc_inner()
            cur.expect("at", "'at' in callsite(...)")
            caller = self._loc_inner()
            cur.expect(")")
            return Loc("callsite", None, (callee, caller), cur.text[start : cur.pos])
        if cur.startswith("#"):
            name = cur.prefixed_id("#") or "#"
            value = self._alias(name, "loc")
            if isinstance(value, Loc):
                return value
            raise cur.error(f"{name} is not a location alias", start)
        if cur.startswith("loc("):
            return self.location()
        raise cur.error(f"expected a location, found {cur.describe()}")


def parse_module(text: str, path: str | None = None, start: int = 0) -> Module:
    """Parse MLIR text (from ``start``) into a :class:`Module`."""
    return Parser(text, path, start).parse_module()
