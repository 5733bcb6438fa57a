"""Parsed MLIR → :class:`~tfl_inspect.model.Model`, matching what the flatbuffer reader gives.

- Each ``func.func`` is a subgraph, in file order (the Analyzer prints ``@main`` first, as the
  flatbuffer stores it). Regions that are more than a call to a function (inlined bodies in
  converter dumps) become extra subgraphs after those.
- ``tfl.pseudo_const``/``pseudo_qconst``/``arith.constant`` results are constant tensors,
  ``tfl.no_value`` is the omitted-input index -1, and ``quantfork.stats`` (how the importer
  spells a tensor's calibration min/max) folds into the tensor it annotates. None of these
  are operators in a ``.tflite`` file, so they are not operators here.
- ``tfl.conv_2d`` → ``CONV_2D``; ``tfl.custom`` → its custom code; ops of other dialects
  (unlegalized ``tf.Conv2D``) keep their MLIR name as opcode and builtin.
- Tensor names: a name location if printed, else the I/O names of ``tf.entry_function``,
  else the SSA name (``%12``, ``%0#1``): Analyzer output and error dumps print no locations.
- Shapes follow the flatbuffer convention: ``?`` is -1 in ``shape_signature`` and 1 in
  ``shape``; ``tensor<*x...>`` has ``has_rank=False`` and shape ``()``.
- Not in MLIR text: operator versions (1 here), buffer indices (None), and elided constant
  values (``dense_resource<__elided__>``: the size is known, ``data()`` is None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ... import dtypes
from ...errors import ModelFormatError
from ...model import MetadataEntry, Model, Operator, Quantization, Signature, Subgraph, Tensor
from .. import opcodes
from .ir import (
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

__all__ = ["to_model", "tflite_opcode", "element_dtype", "CONST_OPS"]

CONST_OPS = frozenset(
    {
        "tfl.pseudo_const",
        "tfl.pseudo_qconst",
        "tfl.pseudo_sparse_const",
        "tfl.pseudo_sparse_qconst",
        "tfl.external_const",
        "arith.constant",
        "stablehlo.constant",
        "mhlo.constant",
        "tf.Const",
    }
)
_NO_VALUE = frozenset({"tfl.no_value"})
_STATS = frozenset({"quantfork.stats", "quant.stats"})
_TERMINATORS = frozenset({"func.return", "tfl.yield", "stablehlo.return"})
# MLIR element type → dtype name, every spelling (the dtype table's MLIR column).
_SCALAR = {element: row.name for element, row in dtypes.BY_MLIR.items()}
# MLIR op names whose upper-cased suffix is not the BuiltinOperator name.
_OPCODE_EXCEPTIONS = {"tfl.NumericVerify": "NUMERIC_VERIFY", "tfl.basic_lstm": "LSTM"}
# Attributes that describe tensors or placement, not operator options.
_NOT_OPTIONS = frozenset({"value", "qtype", "device", "_output_shapes", "tac.device", "tac.inference_type"})
# Options the flatbuffer stores but the TFL op only implies through its result type.
_RESULT_TYPE_OPTION = {"SHAPE": "out_type", "ARG_MAX": "output_type", "ARG_MIN": "output_type"}
_BUILTINS = frozenset(opcodes.BUILTIN_NAMES.values())


def element_dtype(element: Any) -> str:
    """TFLite dtype name of an MLIR element type (``f32`` → FLOAT32, quantized → storage type)."""
    if isinstance(element, QuantType):
        key = element.storage if element.scales or element.min is None else element.expressed
        return _SCALAR.get(key, key.upper())
    text = str(element)
    if text in _SCALAR:
        return _SCALAR[text]
    base = text.split("<", 1)[0]
    return _SCALAR.get(base, text)


def tflite_opcode(name: str) -> str:
    """The BuiltinOperator name for a TFL (or StableHLO) op; other ops keep their MLIR name."""
    if name in _OPCODE_EXCEPTIONS:
        return _OPCODE_EXCEPTIONS[name]
    dialect, _, op = name.partition(".")
    if dialect == "tfl":
        upper = op.upper()
        return upper if upper in _BUILTINS else name
    if dialect in ("stablehlo", "vhlo"):
        upper = "STABLEHLO_" + op.split("_v", 1)[0].upper() if dialect == "vhlo" else "STABLEHLO_" + op.upper()
        return upper if upper in _BUILTINS else name
    return name


@dataclass
class _TensorDraft:
    name: str
    type: Any
    const: DenseElements | DenseResource | None = None
    min: tuple[float, ...] = ()
    max: tuple[float, ...] = ()
    stats_axis: int = 0


@dataclass
class _Graph:
    index: int
    name: str
    tensors: list[_TensorDraft] = field(default_factory=list)
    operators: list[Operator] = field(default_factory=list)
    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()


class _Builder:
    def __init__(self, module: Module, path: str | None) -> None:
        self.module = module
        self.path = path
        self.functions = module.functions()
        self.func_index = {str(f.attr("sym_name")): i for i, f in enumerate(self.functions)}
        self.graphs: list[_Graph] = []
        self.pending_regions: list[tuple[int, str, Region]] = []
        self.elided = 0
        self.resources = module.resources

    def build(self) -> tuple[list[Subgraph], list[Signature]]:
        signatures: list[Signature] = []
        for i, func in enumerate(self.functions):
            graph = _Graph(i, str(func.attr("sym_name")))
            self.graphs.append(graph)
        for i, func in enumerate(self.functions):
            sig = self._function(self.graphs[i], func)
            if sig is not None:
                signatures.append(sig)
        while self.pending_regions:
            index, _name, region = self.pending_regions.pop(0)
            graph = self.graphs[index]
            block = region.blocks[0] if region.blocks else None
            args = block.arguments if block else []
            self._body(graph, args, block.operations if block else [], None)
        return [self._freeze(g) for g in self.graphs], signatures

    # --- functions ----------------------------------------------------------------------
    def _function(self, graph: _Graph, func: Operation) -> Signature | None:
        region = func.regions[0] if func.regions else None
        block = region.blocks[0] if region and region.blocks else None
        ftype = func.attr("function_type")
        ftype = ftype.type if isinstance(ftype, TypeAttr) else ftype
        args = list(block.arguments) if block else []
        if not args and isinstance(ftype, FunctionType):
            args = [(f"%arg{k}", t, {}, None) for k, t in enumerate(ftype.inputs)]
        entry = func.attributes.get("tf.entry_function") or {}
        in_names = _split_names(entry.get("inputs"), len(args))
        arg_attrs = func.attr("arg_attrs") or []
        for k, (_, _, attrs, _) in enumerate(args):
            if k < len(arg_attrs) and isinstance(arg_attrs[k], dict) and not attrs:
                args[k] = (args[k][0], args[k][1], arg_attrs[k], args[k][3])
        ops = block.operations if block else []
        values = self._body(graph, args, ops, in_names)
        out_names = _split_names(entry.get("outputs"), len(graph.outputs))
        for k, t in enumerate(graph.outputs):
            if out_names and t >= 0 and graph.tensors[t].name.startswith("%"):
                graph.tensors[t].name = out_names[k]
        exported = func.attributes.get("tf_saved_model.exported_names")
        if not exported:
            return None
        sig_inputs = _index_paths([a[2] for a in args], graph.inputs)
        res_attrs = func.attr("res_attrs") or []
        sig_outputs = _index_paths(list(res_attrs), graph.outputs)
        del values
        return Signature(str(exported[0]), graph.index, sig_inputs, sig_outputs)

    def _body(
        self,
        graph: _Graph,
        args: list[tuple[str, Any, dict[str, Any], Loc | None]],
        ops: list[Operation],
        in_names: list[str] | None,
    ) -> dict[str, int]:
        values: dict[str, int] = {}
        inputs = []
        for k, (name, typ, _attrs, loc) in enumerate(args):
            tname = _loc_name(loc) or (in_names[k] if in_names else None) or name
            values[name] = self._new_tensor(graph, tname, typ)
            inputs.append(values[name])
        graph.inputs = tuple(inputs)
        for op in ops:
            self._op(graph, op, values)
        return values

    def _new_tensor(self, graph: _Graph, name: str, typ: Any, const: Any = None) -> int:
        graph.tensors.append(_TensorDraft(name, typ, const))
        return len(graph.tensors) - 1

    def _use(self, graph: _Graph, values: dict[str, int], name: str, typ: Any, op: Operation) -> int:
        if name in values:
            return values[name]
        # A value from an enclosing scope (regions turned into subgraphs) or a forward
        # reference in a graph region: give it a tensor of its own here.
        values[name] = self._new_tensor(graph, name, typ)
        return values[name]

    def _op(self, graph: _Graph, op: Operation, values: dict[str, int]) -> None:
        name = op.name
        if name in _TERMINATORS:
            graph.outputs = tuple(
                self._use(graph, values, v, _type_at(op.operand_types, k), op) for k, v in enumerate(op.operands)
            )
            return
        if name in _NO_VALUE:
            for r in op.results:
                values[r] = -1
            return
        if name in _STATS and op.operands and op.results:
            t = self._use(graph, values, op.operands[0], _type_at(op.operand_types, 0), op)
            values[op.results[0]] = t
            self._stats(graph.tensors[t], op) if t >= 0 else None
            return
        if name in CONST_OPS and op.results:
            value = op.attr("value")
            typ = _type_at(op.result_types, 0)
            if isinstance(value, DenseResource) and value.name == "__elided__":
                self.elided += 1
            const = value if isinstance(value, DenseElements | DenseResource) else None
            values[op.results[0]] = self._new_tensor(graph, _loc_name(op.loc) or op.results[0], typ, const)
            return
        if name == "func.func":
            return
        inputs = tuple(
            self._use(graph, values, v, _type_at(op.operand_types, k), op) for k, v in enumerate(op.operands)
        )
        outputs = []
        loc_name = _loc_name(op.loc)
        for k, r in enumerate(op.results):
            tname = (loc_name if len(op.results) == 1 else f"{loc_name}:{k}") if loc_name else r
            values[r] = self._new_tensor(graph, tname, _type_at(op.result_types, k))
            outputs.append(values[r])
        graph.operators.append(self._operator(graph, op, inputs, tuple(outputs)))

    def _stats(self, draft: _TensorDraft, op: Operation) -> None:
        layer = op.attr("layerStats")
        axis_stats = op.attr("axisStats")
        if isinstance(axis_stats, DenseElements) and axis_stats.values:
            vals = [float(v) for v in axis_stats.values]
            draft.min, draft.max = tuple(vals[0::2]), tuple(vals[1::2])
            axis = op.attr("axis")
            draft.stats_axis = int(axis) if isinstance(axis, int) else 0
        elif isinstance(layer, DenseElements) and len(layer.values) >= 2:
            draft.min, draft.max = (float(layer.values[0]),), (float(layer.values[1]),)

    # --- operators ----------------------------------------------------------------------
    def _operator(self, graph: _Graph, op: Operation, inputs: tuple[int, ...], outputs: tuple[int, ...]) -> Operator:
        name = op.name
        attrs = op.all_attributes
        custom_code = custom_options = flex_op = None
        called: dict[str, int | tuple[int, ...]] = {}
        options = {k: _plain(v) for k, v in sorted(attrs.items()) if k not in _NOT_OPTIONS and not _is_tensor_type(v)}
        options_type = None
        if name == "tfl.custom":
            custom_code = str(attrs.get("custom_code", ""))
            raw = attrs.get("custom_option")
            options = {}
            if isinstance(raw, OpaqueAttr) and isinstance(raw.value, bytes) and raw.value:
                custom_options = opcodes.decode_custom_options(raw.value)
            opcode, builtin = custom_code or "CUSTOM", "CUSTOM"
            if custom_code.startswith("Flex"):
                flex_op = _flex_name(custom_options) or custom_code[4:]
        elif name == "tfl.custom_tf" and _single_inner_op(op) is not None:
            inner = _single_inner_op(op)
            assert inner is not None
            opcode = builtin = inner.name
            flex_op = inner.name.split(".", 1)[1]
            options = {k: _plain(v) for k, v in sorted(inner.all_attributes.items()) if k not in _NOT_OPTIONS}
            op = Operation(op.name, op.results, op.operands, loc=inner.loc or op.loc, line=inner.line)
        else:
            opcode = builtin = tflite_opcode(name)
        # Ops that name other subgraphs: by symbol, by function-name string, or through regions.
        for key, sub_key in (
            ("session_init_function", "init_subgraph_index"),
            ("decomposition", "decomposition_subgraph_index"),
            ("cond", "cond_subgraph_index"),
            ("body", "body_subgraph_index"),
            ("then_branch", "then_subgraph_index"),
            ("else_branch", "else_subgraph_index"),
        ):
            ref = attrs.get(key)
            target = self._function_ref(ref)
            if target is not None:
                called[sub_key] = target
                options.pop(key, None)
                options[sub_key] = target
        if name == "stablehlo.composite":
            options["name"] = str(attrs.get("name", ""))
            options.setdefault("composite_attributes_format", "FLEXBUFFERS")
            options.setdefault("version", 0)
        if opcode in _RESULT_TYPE_OPTION and op.result_types:
            result = op.result_types[0]
            element = result.element if isinstance(result, TensorType) else result
            options.setdefault(_RESULT_TYPE_OPTION[opcode], element_dtype(element))
        region_keys = {
            "tfl.while": ("cond_subgraph_index", "body_subgraph_index"),
            "tfl.if": ("then_subgraph_index", "else_subgraph_index"),
        }.get(name, ())
        for k, region in enumerate(op.regions):
            if not region.blocks or not any(b.operations for b in region.blocks):
                continue
            key = region_keys[k] if k < len(region_keys) else f"region_{k}_subgraph_index"
            target = self._region_target(graph, op, k, region)
            called[key] = target
            options[key] = target
        loc_text = op.loc.render() if op.loc is not None else None
        return Operator(
            subgraph=graph.index,
            index=len(graph.operators),
            opcode=opcode,
            builtin=builtin,
            version=1,
            inputs=inputs,
            outputs=outputs,
            options=options,
            options_type=options_type,
            custom_code=custom_code,
            custom_options=custom_options,
            flex_op=flex_op,
            called_subgraphs=called,
            location=loc_text,
        )

    def _function_ref(self, ref: Any) -> int | None:
        if isinstance(ref, SymbolRef):
            return self.func_index.get(ref.name)
        if isinstance(ref, str) and ref in self.func_index:
            return self.func_index[ref]
        return None

    def _region_target(self, graph: _Graph, op: Operation, k: int, region: Region) -> int:
        """A region that only calls a function is that function; anything else becomes a subgraph."""
        block = region.blocks[0]
        calls = [o for o in block.operations if o.name == "func.call"]
        rest = [o for o in block.operations if o.name not in ("func.call", *_TERMINATORS)]
        if len(calls) == 1 and not rest:
            target = self._function_ref(calls[0].attr("callee"))
            if target is not None:
                return target
        index = len(self.graphs)
        self.graphs.append(_Graph(index, f"{graph.name}/{op.name}#{len(graph.operators)}/region{k}"))
        self.pending_regions.append((index, self.graphs[index].name, region))
        return index

    # --- freezing -----------------------------------------------------------------------
    def _freeze(self, graph: _Graph) -> Subgraph:
        tensors = tuple(self._tensor(graph.index, i, d) for i, d in enumerate(graph.tensors))
        try:
            return Subgraph.build(graph.index, graph.name, tensors, tuple(graph.operators), graph.inputs, graph.outputs)
        except ModelFormatError as e:
            raise ModelFormatError(e.detail, self.path) from None

    def _tensor(self, s: int, i: int, d: _TensorDraft) -> Tensor:
        typ = d.type
        shape: tuple[int, ...]
        signature: tuple[int, ...]
        has_rank = True
        if isinstance(typ, TensorType):
            if typ.shape is None:
                shape, signature, has_rank = (), (), False
            else:
                signature = tuple(-1 if x is None else x for x in typ.shape)
                shape = tuple(1 if x is None else x for x in typ.shape)
            element = typ.element
        else:
            shape = signature = ()
            element = typ
        dtype = element_dtype(element)
        quant = None
        if isinstance(element, QuantType):
            if element.scales:
                quant = Quantization(
                    element.scales,
                    element.zero_points,
                    d.min,
                    d.max,
                    element.axis if element.axis is not None else 0,
                )
            elif element.min is not None and element.max is not None:
                quant = Quantization((), (), (element.min,), (element.max,))
        if quant is None and (d.min or d.max):
            quant = Quantization((), (), d.min, d.max, d.stats_axis)
        nbytes, loader = 0, None
        if d.const is not None:
            nbytes = _nbytes(d.const, shape, dtype)
            loader = _loader(d.const, shape, self.resources, f"constant '{d.name}'", self.path)
        return Tensor(
            subgraph=s,
            index=i,
            name=d.name,
            dtype=dtype,
            shape=shape,
            shape_signature=signature,
            has_rank=has_rank,
            is_variable=False,
            buffer=None,
            nbytes=nbytes,
            quantization=quant,
            _loader=loader,
        )


def _type_at(types: list[Any], k: int) -> Any:
    return types[k] if k < len(types) else None


def _split_names(value: Any, n: int) -> list[str] | None:
    if not isinstance(value, str) or not value:
        return None
    names = value.split(",")
    return names if len(names) == n else None


def _index_paths(attrs: list[Any], tensors: tuple[int, ...]) -> dict[str, int]:
    pairs = []
    for k, a in enumerate(attrs):
        path = a.get("tf_saved_model.index_path") if isinstance(a, dict) else None
        if path and k < len(tensors):
            pairs.append((str(path[0]), tensors[k]))
    return dict(sorted(pairs))


def _loc_name(loc: Loc | None) -> str | None:
    """A tensor name from a location: its first TensorFlow node name (see :meth:`Loc.node_names`)."""
    if loc is None:
        return None
    names = loc.node_names()
    return names[0] if names else None


def _single_inner_op(op: Operation) -> Operation | None:
    if len(op.regions) != 1 or not op.regions[0].blocks:
        return None
    inner = [o for o in op.regions[0].blocks[0].operations if o.name not in _TERMINATORS]
    return inner[0] if len(inner) == 1 else None


def _is_tensor_type(value: Any) -> bool:
    return isinstance(value, TypeAttr) and isinstance(value.type, TensorType)


def _plain(value: Any) -> Any:
    """Attribute → plain JSON-able data, with enum words and dtype names as in option dicts."""
    if isinstance(value, MlirString):
        return str(value)
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, OpaqueAttr):
        if isinstance(value.value, bytes):
            return {"bytes": len(value.value)}
        return value.value if value.value is not None else value.text
    if isinstance(value, SymbolRef):
        return value.name
    if isinstance(value, TypeAttr):
        return element_dtype(value.type) if not isinstance(value.type, FunctionType) else str(value.type)
    if isinstance(value, DenseElements):
        vals = [_plain(v) for v in value.values]
        return vals[0] if value.splat and vals else vals
    if isinstance(value, DenseResource):
        return {"resource": value.name}
    return str(value)


def _flex_name(custom_options: Any) -> str | None:
    if isinstance(custom_options, list) and custom_options and isinstance(custom_options[0], str):
        return custom_options[0]
    return None


def _nbytes(const: DenseElements | DenseResource, shape: tuple[int, ...], dtype: str) -> int:
    size = dtypes.tensor_bytes(dtype, shape)
    if size is not None:
        return size
    n = 1  # strings and handles: the text's bytes, else one per element
    for d in shape:
        n *= d
    if isinstance(const, DenseElements):
        return sum(len(str(v).encode()) for v in const.values) or n
    return n


def _loader(
    const: DenseElements | DenseResource,
    shape: tuple[int, ...],
    resources: dict[str, bytes],
    what: str = "constant",
    path: str | None = None,
) -> Callable[[], Any] | None:
    """The constant's values on demand. Text values are only checked against their type then (values
    out of range, hex of the wrong length): a :class:`ModelFormatError` naming the constant."""
    typ = const.type
    element = typ.element if isinstance(typ, TensorType) else typ
    row = dtypes.by_name(element_dtype(element))
    if row is None or row.numpy is None:
        return None
    np_dtype = row.numpy
    target = tuple(shape)

    def load() -> Any:
        try:
            return _values()
        except (OverflowError, ValueError, TypeError, MemoryError) as exc:
            kind = f"{element_dtype(element)} {list(target)}"
            raise ModelFormatError(f"{what}: values do not fit {kind}: {exc or type(exc).__name__}", path) from None

    def _values() -> Any:
        import numpy as np

        count = int(np.prod(target)) if target else 1
        if isinstance(const, DenseResource):
            blob = resources.get(const.name)
            if blob is None:
                return None
            arr = np.frombuffer(blob, dtype=np.dtype(np_dtype).newbyteorder("<"))
        elif const.hex is not None:
            arr = np.frombuffer(bytes.fromhex(const.hex), dtype=np.dtype(np_dtype).newbyteorder("<"))
            if arr.size == 1 and count != 1:
                arr = np.full(count, arr[0], dtype=arr.dtype)
        elif const.splat and const.values:
            arr = np.full(count, const.values[0], dtype=np_dtype)
        else:
            arr = np.asarray(const.values, dtype=np_dtype)
        if arr.size == count:
            arr = arr.reshape(target)
        arr.setflags(write=False)
        return arr

    return load


def to_model(
    module: Module,
    path: str | None = None,
    size: int = 0,
    notes: tuple[str, ...] = (),
) -> Model:
    """Translate a parsed module into the front-end-neutral model."""
    builder = _Builder(module, path)
    if not builder.functions:
        raise ModelFormatError("MLIR text without any func.func: nothing to read as a model", path)
    subgraphs, signatures = builder.build()
    attrs = module.module_attributes()
    version = attrs.get("tfl.schema_version")
    description = attrs.get("tfl.description")
    metadata = []
    meta = attrs.get("tfl.metadata")
    if isinstance(meta, dict):
        from ..metadata import decode

        for key, value in meta.items():
            raw = value.raw if isinstance(value, MlirString) else str(value).encode()
            metadata.append(MetadataEntry(str(key), None, len(raw), decode(str(key), raw)))
    extra = list(notes)
    if builder.elided:
        extra.append(f"{builder.elided} constant(s) printed as dense_resource<__elided__>: sizes known, values not")
    return Model(
        format="mlir",
        version=version if isinstance(version, int) else None,
        description=str(description) if description is not None else "",
        subgraphs=tuple(subgraphs),
        signatures=tuple(signatures),
        metadata=tuple(metadata),
        source=path,
        size=size,
        notes=tuple(extra),
    )
