"""convert_torch and diagnose on real litert-torch failures, and every fix it offers, converted.

Needs torch and litert-torch (the `torch` extra, in its own environment: litert-torch pins torch);
`make test` skips these with the reason. Each case converts a small module the way its users do,
reads the diagnosis (from the module, and from the failure text alone), then applies each fix the
diagnosis offers -- the code it quotes is evaluated as written inside ``forward`` -- and converts again.
"""

from __future__ import annotations

import traceback

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="torch not installed (pip install -e '.[torch]' in its own venv)")
litert_torch = pytest.importorskip("litert_torch", reason="litert-torch not installed (the `torch` extra)")

import torch.nn.functional as F  # noqa: E402, N812
from torch import nn  # noqa: E402
from torch.export import Dim  # noqa: E402

import tfl_inspect  # noqa: E402
from tfl_inspect.converter import ConversionError  # noqa: E402
from tfl_inspect.diagnosis.pytorch import diagnose_pytorch_text  # noqa: E402

HERE = __file__


class FlattenClassifier(nn.Module):
    """nn.Flatten before nn.Linear: with a dynamic batch, the flatten's view reads the batch size."""

    def __init__(self, replacement: str | None = None) -> None:
        super().__init__()
        self.replacement = replacement
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(8 * 16 * 16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        if self.replacement is not None:  # the diagnosis' code, as written
            return self.fc(eval(self.replacement, {}, {"f": f}))
        f = self.flatten(f)
        return self.fc(f)


class SeqAttention(nn.Module):
    """Self-attention over a token sequence (qkv Linear, heads by view, scaled_dot_product_attention)."""

    def __init__(self, causal: bool = False) -> None:
        super().__init__()
        self.causal = causal
        self.heads = 4
        self.qkv = nn.Linear(32, 96)
        self.out = nn.Linear(32, 32)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.out(a.transpose(1, 2).reshape(b, t, c))


class MedianCentre(nn.Module):
    """torch.median after a Linear: aten.median.dim has no litert-torch lowering."""

    def __init__(self, replacement: str | None = None) -> None:
        super().__init__()
        self.replacement = replacement
        self.proj = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.proj(x)
        if self.replacement is not None:
            return y - eval(self.replacement, {}, {"y": y})
        return y - torch.median(y, dim=-1, keepdim=True).values


def failed(module: nn.Module, args: tuple, **options) -> tfl_inspect.Diagnosis:
    with pytest.raises(ConversionError) as info:
        tfl_inspect.convert_torch(module, args, **options)
    return info.value.diagnosis


def text_of(module: nn.Module, args: tuple, **options) -> str:
    """What the user sees when litert_torch.convert fails: the formatted traceback."""
    try:
        litert_torch.convert(module, args, **options)
    except Exception as exc:
        return "".join(traceback.format_exception(exc))
    raise AssertionError("expected the conversion to fail")


def the_line(d, code: str) -> None:
    (f,) = d.failures
    user = f.user_frames[0]
    assert user.file == HERE and user.function == "forward" and user.code == code, user


def runs(flatbuffer: bytes, shapes: list[tuple[int, ...]]) -> None:
    """LiteRT allocates and invokes the converted model at each input shape."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(
        model_content=flatbuffer, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )
    for shape in shapes:
        it.resize_tensor_input(it.get_input_details()[0]["index"], shape)
        it.allocate_tensors()
        it.set_tensor(it.get_input_details()[0]["index"], np.zeros(shape, np.float32))
        it.invoke()


# --- dynamic batch through a view (nn.Flatten) --------------------------------------------------
BATCH = ({0: Dim("batch", min=1, max=16)},)


def test_dynamic_batch_through_flatten_names_the_view_the_line_and_the_dim() -> None:
    args = (torch.randn(2, 3, 32, 32),)
    d = failed(FlattenClassifier().eval(), args, dynamic_shapes=BATCH)
    (f,) = d.failures
    assert (f.op, f.cause, f.producer) == ("aten.view.default", "symbolic_size_in_view", "litert-torch")
    assert f.layer == "flatten" and f.layer_class == "torch.nn.modules.flatten"
    the_line(d, "f = self.flatten(f)")
    (sym,) = f.symbolic
    assert (sym.input, sym.dim, sym.dim_name, sym.range) == ("args[0]", 0, "batch", (1, 16))
    # the failure text alone says the same, less the Dim
    (g,) = diagnose_pytorch_text(text_of(FlattenClassifier().eval(), args, dynamic_shapes=BATCH)).failures
    assert (g.op, g.cause, g.layer, g.user_frames[0].code) == (f.op, f.cause, f.layer, "f = self.flatten(f)")
    assert [x.id for x in g.fixes] == [x.id for x in f.fixes]


def test_each_flatten_fix_converts_and_the_minus_one_reshape_is_dynamic_in_name_only() -> None:
    args = (torch.randn(2, 3, 32, 32),)
    d = failed(FlattenClassifier().eval(), args, dynamic_shapes=BATCH)
    fixes = {x.id: x for x in d.fixes()}
    assert [x.id for x in d.fixes()] == ["static_shapes", "signature_per_size", "reshape_keeps_dynamic_dim"]
    # static sample args, no dynamic_shapes
    assert fixes["static_shapes"].params == {"dynamic_shapes": None} and fixes["static_shapes"].applies
    runs(tfl_inspect.convert_torch(FlattenClassifier().eval(), (torch.randn(1, 3, 32, 32),)), [(1, 3, 32, 32)])
    # one signature per batch size
    one, four = fixes["signature_per_size"].params["signatures"]
    m = FlattenClassifier().eval()
    converted = litert_torch.signature(one, m, (torch.randn(1, 3, 32, 32),)).signature(
        four, m, (torch.randn(4, 3, 32, 32),)
    )
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=bytes(converted.convert().model_content()))
    for key, n in ((one, 1), (four, 4)):
        out = it.get_signature_runner(key)(args_0=np.zeros((n, 3, 32, 32), np.float32))["output_0"]
        assert out.shape == (n, 10)
    # -1 in the reshape converts, but is no fix: the batch is pinned at the sample's, as DYN005 says and LiteRT shows
    minus_one = fixes["reshape_keeps_dynamic_dim"]
    assert not minus_one.applies and minus_one.params["replacement"] == "f.reshape(-1, 2048)"
    pinned = tfl_inspect.convert_torch(
        FlattenClassifier(minus_one.params["replacement"]).eval(), args, dynamic_shapes=BATCH
    )
    (f,) = [x for x in tfl_inspect.lint(tfl_inspect.load(pinned)) if x.rule == "DYN005"]
    assert "works only at N=2" in f.message and "RESHAPE" in f.message
    runs(pinned, [(2, 3, 32, 32)])
    with pytest.raises(RuntimeError, match="RESHAPE"):
        runs(pinned, [(5, 3, 32, 32)])


# --- a dynamic sequence length through attention -----------------------------------------------
SEQ = ({1: Dim("seq", min=2, max=128)},)


def test_dynamic_sequence_through_attention_names_the_linear_and_the_dim() -> None:
    args = (torch.randn(1, 16, 32),)
    d = failed(SeqAttention().eval(), args, dynamic_shapes=SEQ)
    (f,) = d.failures
    assert (f.op, f.cause, f.layer) == ("aten.view.default", "symbolic_dim_flattened", "qkv")
    the_line(d, "q, k, v = self.qkv(x).chunk(3, dim=-1)")
    assert any((s.input, s.dim, s.dim_name) == ("args[0]", 1, "seq") for s in f.symbolic), f.symbolic
    (g,) = diagnose_pytorch_text(text_of(SeqAttention().eval(), args, dynamic_shapes=SEQ)).failures
    assert (g.op, g.cause, g.layer) == (f.op, f.cause, f.layer)


def test_each_attention_fix_converts() -> None:
    d = failed(SeqAttention().eval(), (torch.randn(1, 16, 32),), dynamic_shapes=SEQ)
    ids = [x.id for x in d.fixes()]
    assert ids == ["static_shapes", "signature_per_size"]
    tfl_inspect.convert_torch(SeqAttention().eval(), (torch.randn(1, 16, 32),))
    m = SeqAttention().eval()
    names = d.fixes()[1].params["signatures"]
    converted = (
        litert_torch.signature(names[0], m, (torch.randn(1, 16, 32),))
        .signature(names[1], m, (torch.randn(1, 32, 32),))
        .convert()
    )
    assert len(converted.model_content()) > 0


def test_the_causal_mask_fails_in_a_litert_torch_pass_and_static_shapes_convert() -> None:
    d = failed(SeqAttention(causal=True).eval(), (torch.randn(1, 16, 32),), dynamic_shapes=SEQ)
    (f,) = d.failures
    assert (f.op, f.cause, f.user_frames) == ("aten.arange", "symbolic_in_converter_pass", ())
    assert f.conversion_call is not None and f.conversion_call.file == HERE  # the call that asked for it
    assert [(s.input, s.dim, s.dim_name, s.range) for s in f.symbolic] == [("args[0]", 1, "seq", (2, 128))]
    tfl_inspect.convert_torch(SeqAttention(causal=True).eval(), (torch.randn(1, 16, 32),))


# --- an op litert-torch cannot lower -------------------------------------------------------------
def test_an_op_without_a_lowering_is_named_and_its_replacement_converts_with_the_same_values() -> None:
    args = (torch.randn(1, 16),)
    d = failed(MedianCentre().eval(), args)
    (f,) = d.failures
    assert (f.op, f.cause) == ("aten.median.dim", "no_lowering")
    the_line(d, "return y - torch.median(y, dim=-1, keepdim=True).values")
    fix = d.fixes()[0]
    assert fix.id == "replace_op"
    code = fix.params["replacement"]
    torch.manual_seed(0)
    ref = MedianCentre().eval()
    fixed = MedianCentre(code).eval()
    fixed.load_state_dict(ref.state_dict())
    x = torch.randn(4, 16)
    with torch.no_grad():
        assert torch.equal(fixed(x), ref(x))
    tfl_inspect.convert_torch(fixed, args)
    (g,) = diagnose_pytorch_text(text_of(MedianCentre().eval(), args)).failures
    assert g.fixes[0].params["replacement"] == code


def test_a_module_that_converts_gives_bytes_and_an_ok_diagnosis() -> None:
    from tfl_inspect.converter_torch import try_convert_torch

    flatbuffer, d = try_convert_torch(FlattenClassifier().eval(), (torch.randn(1, 3, 32, 32),))
    assert flatbuffer and d.ok and d.converted_bytes == len(flatbuffer)
    assert tfl_inspect.load(flatbuffer).producer.id == "litert-torch"
