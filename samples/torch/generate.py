"""Regenerate the PyTorch-born fixtures in samples/torch/ (run from the repo root).

    pip install -e '.[torch]'                       # or a separate venv; see README.md here
    python samples/torch/generate.py                # every fixture, failure text and sidecar
    python samples/torch/generate.py --only key_upsample_skip_dynamic --only gen_decoder_f32
    python samples/torch/generate.py --onnx2tf /path/to/venv/bin/onnx2tf   # add the onnx2tf pair

Every model is converted by a real converter the way its users convert: litert-torch (`litert_torch.convert`,
its PT2E quantizer, its generative API) and, where onnx2tf is given, torch.onnx + onnx2tf. Each result is loaded
with LiteRT's Interpreter (no default delegates) and run on the sample input; the outputs are compared with
PyTorch's and what the fixture is said to show is checked. `manifest.json` records versions, options, sizes and
checks; each fixture may have JSON sidecars (`*.modules.json`, `*.runs.json`, `*.generative.json`). Failed
conversions are kept as `*.error.txt` with their fixed twin checked to convert. The exit status is 1 if a check
fails. Models are tiny and seeded (torch.manual_seed(0) before each), so reruns give the same ops and shapes.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib.metadata as md
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import litert_torch
import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
import torchvision
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from torch import nn
from torch.export import Dim

OUT = Path(__file__).resolve().parent
SEED = 0
BUDGET_BYTES = 8_000_000
VERSION_PACKAGES = [
    "torch",
    "torchvision",
    "litert-torch",
    "litert-converter",
    "ai-edge-litert",
    "ai-edge-quantizer",
    "torchao",
    "jax",
    "transformers",
    "tensorflow-cpu",
    "sentencepiece",
    "onnx",
    "onnxscript",
]


@dataclass
class Result:
    name: str
    files: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        self.facts.setdefault("checks", []).append({"check": what, "ok": bool(ok)})
        if not ok:
            self.failures.append(what)


BUILDERS: dict[str, Callable[[Result], None]] = {}


def fixture(fn: Callable[[Result], None]) -> Callable[[Result], None]:
    BUILDERS[fn.__name__] = fn
    return fn


# --------------------------------------------------------------------------------------------------------------
# Helpers


@contextlib.contextmanager
def quiet() -> Iterator[io.StringIO]:
    """litert-torch prints a progress tree per conversion; keep it out of the summary."""
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
        yield buf


def seeded() -> None:
    torch.manual_seed(SEED)
    np.random.seed(SEED)


def interpreter(path: Path) -> Interpreter:
    return Interpreter(
        model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    )


def flat_outputs(out: Any) -> list[np.ndarray]:
    if isinstance(out, torch.Tensor):
        return [out.detach().numpy()]
    if isinstance(out, dict):
        return [t for v in out.values() for t in flat_outputs(v)]
    if isinstance(out, (list, tuple)):
        return [t for v in out for t in flat_outputs(v)]
    return []


def run_signature(path: Path, key: str, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    it = interpreter(path)
    runner = it.get_signature_runner(key)
    return dict(runner(**feeds))


def signature_facts(path: Path) -> dict[str, Any]:
    it = interpreter(path)
    sigs: dict[str, Any] = {}
    for key, io_names in it.get_signature_list().items():
        runner = it.get_signature_runner(key)
        ins = runner.get_input_details()
        outs = runner.get_output_details()
        sigs[key] = {
            "inputs": {
                n: {
                    "shape": d["shape"].tolist(),
                    "shape_signature": d["shape_signature"].tolist(),
                    "dtype": np.dtype(d["dtype"]).name,
                }
                for n, d in ins.items()
            },
            "outputs": {
                n: {
                    "shape": d["shape"].tolist(),
                    "shape_signature": d["shape_signature"].tolist(),
                    "dtype": np.dtype(d["dtype"]).name,
                }
                for n, d in outs.items()
            },
            "input_order": list(io_names["inputs"]),
            "output_order": list(io_names["outputs"]),
        }
    return sigs


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")


def convert(
    res: Result, stem: str, module: nn.Module, args: tuple[Any, ...], *, compare: bool = True, **options: Any
) -> Path:
    """Convert with litert_torch.convert, write STEM.tflite, run it once and compare with PyTorch."""
    path = OUT / f"{stem}.tflite"
    with quiet():
        edge = litert_torch.convert(module, args, **options)
        edge.export(str(path))
    res.files.append(path.name)
    sig = signature_facts(path)
    res.facts.setdefault("signatures", {})[path.name] = sig
    if compare:
        key = next(iter(sig))
        runner = interpreter(path).get_signature_runner(key)
        ins, outs = runner.get_input_details(), runner.get_output_details()
        feeds = {}
        for n, a in zip(sig[key]["input_order"], args, strict=True):
            x, d = a.detach().numpy(), ins[n]
            if np.dtype(d["dtype"]).kind in "iu" and x.dtype.kind == "f":  # quantized I/O (PT2E static)
                scale, zero = d["quantization"]
                x = np.clip(np.round(x / scale + zero), np.iinfo(d["dtype"]).min, np.iinfo(d["dtype"]).max)
                x = x.astype(d["dtype"])
                res.facts["quantized_io"] = True
            feeds[n] = x
        got = dict(runner(**feeds))
        for n, d in outs.items():
            if np.dtype(d["dtype"]).kind in "iu" and d["quantization"][0]:
                scale, zero = d["quantization"]
                got[n] = (got[n].astype(np.float32) - zero) * scale
        want = flat_outputs(module(*args))
        diffs = [float(np.max(np.abs(got[n] - w))) for n, w in zip(sig[key]["output_order"], want, strict=True)]
        res.facts.setdefault("max_abs_diff_vs_torch", {})[path.name] = diffs
    return path


def module_names(res: Result, stem: str, model: nn.Module) -> None:
    """What `named_modules()` prints: the names a PyTorch user knows their layers by."""
    names = [n for n, _ in model.named_modules()]
    data = {
        "model": f"{type(model).__module__}.{type(model).__qualname__}",
        "note": "keys of dict(model.named_modules()) ('' is the root); classes by name",
        "modules": {n: f"{type(m).__module__}.{type(m).__qualname__}" for n, m in model.named_modules()},
    }
    write_json(OUT / f"{stem}.modules.json", data)
    res.files.append(f"{stem}.modules.json")
    res.facts["module_count"] = len(names)


def try_resize(path: Path, shape: list[int]) -> dict[str, Any]:
    """Resize input 0 to SHAPE, allocate and invoke with LiteRT; the outcome and its error text."""
    it = interpreter(path)
    inp = it.get_input_details()[0]
    out: dict[str, Any] = {"input_shape": shape}
    try:
        it.resize_tensor_input(inp["index"], shape)
        it.allocate_tensors()
        it.set_tensor(inp["index"], np.zeros(shape, dtype=inp["dtype"]))
        it.invoke()
        out["ok"] = True
        out["output_shapes"] = [it.get_tensor(d["index"]).shape for d in it.get_output_details()]
        out["output_shapes"] = [list(s) for s in out["output_shapes"]]
    except Exception as ex:
        out["ok"] = False
        out["error"] = f"{type(ex).__name__}: {ex}"
    return out


def allocate_as_recorded(path: Path) -> dict[str, Any]:
    it = interpreter(path)
    try:
        it.allocate_tensors()
        return {"ok": True, "input_shape": it.get_input_details()[0]["shape"].tolist()}
    except Exception as ex:
        return {
            "ok": False,
            "input_shape": it.get_input_details()[0]["shape"].tolist(),
            "error": f"{type(ex).__name__}: {ex}",
        }


# --------------------------------------------------------------------------------------------------------------
# torchvision classifiers: one real torchvision architecture, small, in the four ways users quantize it


def tv_classifier() -> tuple[nn.Module, tuple[torch.Tensor]]:
    seeded()
    model = torchvision.models.mobilenet_v3_small(weights=None, width_mult=0.25, num_classes=10).eval()
    randomize_for_inference(model)
    return model, (torch.randn(1, 3, 64, 64),)


def randomize_for_inference(model: nn.Module) -> None:
    """Seeded weights that keep activations alive: torchvision's init (Linear ~ N(0, 0.01), BatchNorm as identity)
    leaves an untrained narrow MobileNet with outputs near 1e-7, which makes quantization and output checks moot."""
    gen = torch.Generator().manual_seed(SEED)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Linear):
                nn.init.kaiming_uniform_(m.weight, a=5**0.5, generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)


@fixture
def tv_mobilenet_v3_small_float(res: Result) -> None:
    model, args = tv_classifier()
    convert(res, res.name, model, args)
    module_names(res, res.name, model)
    res.facts["how"] = "torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10); litert_torch.convert"


@fixture
def tv_mobilenet_v3_small_fp16(res: Result) -> None:
    from litert_torch.generative.quantize import quant_recipes

    model, args = tv_classifier()
    convert(res, res.name, model, args, quant_config=quant_recipes.full_fp16_recipe())
    module_names(res, res.name, model)
    res.facts["how"] = "as _float, quant_config=litert_torch.generative.quantize.quant_recipes.full_fp16_recipe()"


@fixture
def tv_mobilenet_v3_small_dynamic_int8(res: Result) -> None:
    from litert_torch.generative.quantize import quant_recipes

    model, args = tv_classifier()
    convert(res, res.name, model, args, quant_config=quant_recipes.full_dynamic_recipe())
    module_names(res, res.name, model)
    res.facts["how"] = (
        "as _float, quant_config=quant_recipes.full_dynamic_recipe() (int8 channelwise weights, float "
        "activations; applied by ai-edge-quantizer after conversion)"
    )


@fixture
def tv_mobilenet_v3_small_pt2e_int8(res: Result) -> None:
    from litert_torch.quantize import pt2e_quantizer
    from litert_torch.quantize.quant_config import QuantConfig
    from torchao.quantization.pt2e import quantize_pt2e

    model, args = tv_classifier()
    quantizer = pt2e_quantizer.PT2EQuantizer().set_global(
        pt2e_quantizer.get_symmetric_quantization_config(is_per_channel=True)
    )
    exported = torch.export.export(model, args).module()
    prepared = quantize_pt2e.prepare_pt2e(exported, quantizer)
    gen = torch.Generator().manual_seed(SEED)
    for _ in range(8):
        prepared(torch.randn(1, 3, 64, 64, generator=gen))
    quantized = quantize_pt2e.convert_pt2e(prepared, fold_quantize=False)
    convert(res, res.name, quantized, args, quant_config=QuantConfig(pt2e_quantizer=quantizer))
    module_names(res, res.name, model)
    res.facts["how"] = (
        "torch.export.export(model).module() -> torchao prepare_pt2e with litert_torch PT2EQuantizer"
        "(get_symmetric_quantization_config(is_per_channel=True)), 8 random calibration batches, convert_pt2e("
        "fold_quantize=False) -> litert_torch.convert(..., quant_config=QuantConfig(pt2e_quantizer=quantizer))"
    )


# --------------------------------------------------------------------------------------------------------------
# Layouts, signatures, dynamic shapes


class TinySeg(nn.Module):
    """Encoder-decoder with a skip: what a segmentation head looks like at a tiny size."""

    def __init__(self, classes: int = 3) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
        self.classifier = nn.Conv2d(16, classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        y = self.up(self.down(s))
        return self.classifier(torch.cat([y, s], dim=1))


@fixture
def seg_nchw(res: Result) -> None:
    seeded()
    model = TinySeg().eval()
    convert(res, res.name, model, (torch.randn(1, 3, 64, 64),))
    module_names(res, res.name, model)
    res.facts["how"] = "TinySeg (NCHW I/O as PyTorch has it); litert_torch.convert"


@fixture
def seg_nhwc(res: Result) -> None:
    seeded()
    model = TinySeg().eval()
    wrapped = litert_torch.to_channel_last_io(model, args=[0], outputs=[0]).eval()
    convert(res, res.name, wrapped, (torch.randn(1, 64, 64, 3),))
    module_names(res, res.name, wrapped)
    sig = res.facts["signatures"][f"{res.name}.tflite"]["serving_default"]
    res.check(sig["inputs"]["args_0"]["shape"] == [1, 64, 64, 3], "input is NHWC [1, 64, 64, 3]")
    res.facts["how"] = "TinySeg wrapped by litert_torch.to_channel_last_io(model, args=[0], outputs=[0])"


class Encoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.proj(x))


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 16)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.proj(z))


@fixture
def two_signatures(res: Result) -> None:
    seeded()
    enc, dec = Encoder().eval(), Decoder().eval()
    x, z = torch.randn(1, 16), torch.randn(1, 8)
    path = OUT / f"{res.name}.tflite"
    with quiet():
        edge = litert_torch.signature("encode", enc, (x,)).signature("decode", dec, (z,)).convert()
        edge.export(str(path))
    res.files.append(path.name)
    sigs = signature_facts(path)
    res.facts["signatures"] = {path.name: sigs}
    res.check(sorted(sigs) == ["decode", "encode"], "signatures encode and decode")
    got = run_signature(path, "encode", {"args_0": x.numpy()})["output_0"]
    res.facts["max_abs_diff_vs_torch"] = {"encode": float(np.max(np.abs(got - enc(x).detach().numpy())))}
    res.facts["how"] = "litert_torch.signature('encode', enc, (x,)).signature('decode', dec, (z,)).convert()"


class PoolClassifier(nn.Module):
    """Global average pooling before the Linear: the flatten that keeps a dynamic batch convertible."""

    def __init__(self, in_channels: int = 3) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 16, 3, stride=2))
        self.fc = nn.Linear(16, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x).mean(dim=(2, 3)))


@fixture
def dynamic_batch(res: Result) -> None:
    seeded()
    model = PoolClassifier().eval()
    args = (torch.randn(2, 3, 32, 32),)
    path = convert(res, res.name, model, args, dynamic_shapes=({0: Dim("batch", min=1, max=16)},))
    res.facts["runs"] = [try_resize(path, [n, 3, 32, 32]) for n in (1, 2, 5)]
    res.check(all(r["ok"] for r in res.facts["runs"]), "runs at batch 1, 2 and 5")
    res.facts["how"] = "sample batch 2 (batch 1 would specialize), dynamic_shapes=({0: Dim('batch', min=1, max=16)},)"


class FullyConv(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 2, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.body(x))


@fixture
def dynamic_hw(res: Result) -> None:
    seeded()
    model = FullyConv().eval()
    args = (torch.randn(1, 3, 64, 48),)
    ds = ({2: Dim("height", min=8, max=512), 3: Dim("width", min=8, max=512)},)
    path = convert(res, res.name, model, args, dynamic_shapes=ds)
    res.facts["runs"] = [try_resize(path, s) for s in ([1, 3, 64, 48], [1, 3, 32, 32], [1, 3, 100, 20])]
    res.check(all(r["ok"] for r in res.facts["runs"]), "runs at 64x48, 32x32 and 100x20")
    res.facts["how"] = "dynamic_shapes=({2: Dim('height', min=8, max=512), 3: Dim('width', min=8, max=512)},)"


class UpsampleSkip(nn.Module):
    """Fully convolutional with nn.Upsample and a skip connection (concat)."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU())
        self.down = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.ReLU())
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.head = nn.Conv2d(24, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.enc(x)
        y = self.up(self.down(skip))
        return self.head(torch.cat([y, skip], dim=1))


@fixture
def key_upsample_skip_dynamic(res: Result) -> None:
    """THE key fixture: dynamic batch/H/W recorded, but the upsample's size was fixed at the sample's 64x48."""
    seeded()
    model = UpsampleSkip().eval()
    args = (torch.randn(2, 3, 64, 48),)
    ds = ({0: Dim("batch", min=1, max=8), 2: 2 * Dim("h", min=4, max=256), 3: 2 * Dim("w", min=4, max=256)},)
    path = convert(res, res.name, model, args, dynamic_shapes=ds)
    module_names(res, res.name, model)
    shapes = [[2, 3, 64, 48], [1, 3, 64, 48], [1, 3, 32, 32], [2, 3, 128, 96], [1, 3, 64, 64]]
    runs = {"recorded_shape_allocate": allocate_as_recorded(path), "resized": [try_resize(path, s) for s in shapes]}
    # The same runs with the default (XNNPACK) delegate, as most apps run it: a different failure text.
    xnn = []
    for s in shapes[1:3]:
        it = Interpreter(model_path=str(path))
        try:
            it.resize_tensor_input(0, s)
            it.allocate_tensors()
            it.set_tensor(it.get_input_details()[0]["index"], np.zeros(s, np.float32))
            it.invoke()
            xnn.append({"input_shape": s, "ok": True})
        except Exception as ex:
            xnn.append({"input_shape": s, "ok": False, "error": f"{type(ex).__name__}: {ex}"})
    runs["resized_with_default_delegates"] = xnn
    write_json(OUT / f"{res.name}.runs.json", runs)
    res.files.append(f"{res.name}.runs.json")
    res.facts["runs"] = runs
    sig = res.facts["signatures"][path.name]["serving_default"]
    res.check(sig["inputs"]["args_0"]["shape_signature"] == [-1, 3, -1, -1], "input recorded as [-1, 3, -1, -1]")
    ok = {tuple(r["input_shape"]): r["ok"] for r in runs["resized"]}
    res.check(ok[(1, 3, 64, 48)] and ok[(2, 3, 64, 48)], "runs at 64x48 (batch 1 and 2)")
    res.check(not ok[(1, 3, 32, 32)] and not ok[(1, 3, 64, 64)], "fails at 32x32 and 64x64")
    res.check(not runs["recorded_shape_allocate"]["ok"], "allocate_tensors() fails at the recorded shape")
    res.facts["how"] = (
        "UpsampleSkip, sample (2, 3, 64, 48), dynamic_shapes=({0: Dim('batch', min=1, max=8), "
        "2: 2 * Dim('h', min=4, max=256), 3: 2 * Dim('w', min=4, max=256)},) (torch.export asks for the 2*h form "
        "because of the stride-2 conv and the concat)"
    )


# --------------------------------------------------------------------------------------------------------------
# Op families


class TinyViT(nn.Module):
    """Patch embedding + one pre-norm transformer block using F.scaled_dot_product_attention."""

    def __init__(self, dim: int = 32, heads: int = 4, patch: int = 8, image: int = 32, classes: int = 10) -> None:
        super().__init__()
        self.heads = heads
        self.patch_embed = nn.Conv2d(3, dim, patch, stride=patch)
        self.pos_embed = nn.Parameter(torch.randn(1, (image // patch) ** 2, dim) * 0.02)
        self.norm1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.head = nn.Linear(dim, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2) + self.pos_embed
        b, t, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, t, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v)
        x = x + self.proj(a.transpose(1, 2).reshape(b, t, c))
        x = x + self.mlp(self.norm2(x))
        return self.head(x.mean(dim=1))


@fixture
def vit_sdpa(res: Result) -> None:
    seeded()
    model = TinyViT().eval()
    convert(res, res.name, model, (torch.randn(1, 3, 32, 32),))
    module_names(res, res.name, model)
    res.facts["how"] = "TinyViT (F.scaled_dot_product_attention); litert_torch.convert"


class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(8, 16, batch_first=True)
        self.gru = nn.GRU(16, 12, batch_first=True)
        self.out = nn.Linear(12, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.lstm(x)
        y, _ = self.gru(y)
        return self.out(y[:, -1])


@fixture
def lstm_gru(res: Result) -> None:
    seeded()
    model = Recurrent().eval()
    convert(res, res.name, model, (torch.randn(1, 10, 8),))
    module_names(res, res.name, model)
    res.facts["how"] = "nn.LSTM(8, 16) then nn.GRU(16, 12), batch_first, 10 steps; litert_torch.convert"


class Upsamplers(nn.Module):
    """The three ways PyTorch models grow a feature map."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.bilinear = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False)
        self.deconv = nn.ConvTranspose2d(8, 8, 4, stride=2, padding=1)
        self.pre_shuffle = nn.Conv2d(8, 32, 3, padding=1)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = F.relu(self.conv(x))
        return self.bilinear(f), self.deconv(f), self.shuffle(self.pre_shuffle(f))


@fixture
def upsample_family(res: Result) -> None:
    seeded()
    model = Upsamplers().eval()
    convert(res, res.name, model, (torch.randn(1, 3, 16, 16),))
    module_names(res, res.name, model)
    res.facts["how"] = "nn.Upsample(bilinear), nn.ConvTranspose2d(stride 2), nn.PixelShuffle(2); three outputs"


class EmbedDict(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embedding = nn.Embedding(100, 16)
        self.encoder = nn.Linear(16, 16)
        self.classifier = nn.Linear(16, 3)

    def forward(self, ids: torch.Tensor) -> dict[str, torch.Tensor]:
        h = torch.relu(self.encoder(self.embedding(ids)))
        pooled = h.mean(dim=1)
        return {"logits": self.classifier(pooled), "pooled": pooled, "token_states": h}


@fixture
def embedding_dict(res: Result) -> None:
    seeded()
    model = EmbedDict().eval()
    ids = torch.randint(0, 100, (1, 12), dtype=torch.int32)
    path = convert(res, res.name, model, (ids,), compare=False)
    module_names(res, res.name, model)
    sig = res.facts["signatures"][path.name]["serving_default"]
    got = run_signature(path, "serving_default", {"args_0": ids.numpy()})
    want = model(ids)
    res.facts["max_abs_diff_vs_torch"] = {
        k: float(np.max(np.abs(got[k] - want[k].detach().numpy()))) for k in want if k in got
    }
    res.facts["output_names"] = sig["output_order"]
    res.check(sorted(sig["outputs"]) == ["logits", "pooled", "token_states"], "outputs named by the dict's keys")
    res.facts["how"] = "forward returns {'logits', 'pooled', 'token_states'}; int32 ids (1, 12); litert_torch.convert"


# --------------------------------------------------------------------------------------------------------------
# Generative API (issue 22): tiny decoders with prefill_8/decode signatures and external KV caches


GEN = {
    "layers": 2,
    "heads": 4,
    "kv_heads": 2,
    "head_dim": 16,
    "embedding_dim": 64,
    "intermediate": 128,
    "vocab_size": 256,
    "prefill_lengths": [8],
    "cache_length": 64,
}


def decoder(sizes: dict[str, Any]) -> tuple[nn.Module, Any]:
    """GEN's decoder at ``sizes``, weights from torch's random state (benchmarks/make_generative.py too)."""
    import litert_torch.generative.layers.model_config as cfg
    from litert_torch.generative.utilities import model_builder

    attn = cfg.AttentionConfig(
        num_heads=sizes["heads"],
        head_dim=sizes["head_dim"],
        num_query_groups=sizes["kv_heads"],
        rotary_base=10000,
        rotary_percentage=1.0,
    )
    ff = cfg.FeedForwardConfig(
        type=cfg.FeedForwardType.GATED,
        activation=cfg.ActivationConfig(cfg.ActivationType.SILU),
        intermediate_size=sizes["intermediate"],
    )
    norm = cfg.NormalizationConfig(type=cfg.NormalizationType.RMS_NORM)
    block = cfg.TransformerBlockConfig(
        attn_config=attn, ff_config=ff, pre_attention_norm_config=norm, post_attention_norm_config=norm
    )
    config = cfg.ModelConfig(
        vocab_size=sizes["vocab_size"],
        num_layers=sizes["layers"],
        max_seq_len=sizes["cache_length"],
        embedding_dim=sizes["embedding_dim"],
        block_configs=block,
        final_norm_config=norm,
        lm_head_share_weight_with_embedding=False,
    )
    model = model_builder.DecoderOnlyModel(config, mask_cache_size=sizes["cache_length"]).eval()
    return model, config


def generative(res: Result, quantize: str, block_size: int | None) -> None:
    from litert_torch.generative.utilities import converter, export_config

    model, config = gen_model()
    with tempfile.TemporaryDirectory() as tmp, quiet():
        made = converter.convert_to_tflite(
            model,
            output_path=tmp,
            output_name_prefix="tiny",
            prefill_seq_len=GEN["prefill_lengths"],
            kv_cache_max_len=GEN["cache_length"],
            quantize=quantize,
            config=config,
            export_config=export_config.ExportConfig(),
        )
        made_name = Path(made).name
        shutil.copy(made, OUT / f"{res.name}.tflite")
    path = OUT / f"{res.name}.tflite"
    res.files.append(path.name)
    sigs = signature_facts(path)
    res.facts["signatures"] = {path.name: sigs}
    cache_bytes = {}
    for key, sig in sigs.items():
        cache_bytes[key] = sum(
            int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize
            for n, d in sig["inputs"].items()
            if n.startswith("kv_cache_")
        )
    cache = sigs["decode"]["inputs"]["kv_cache_k_0"]
    side = {
        "made_by": "litert_torch.generative.utilities.converter.convert_to_tflite"
        f"(quantize={quantize!r}, prefill_seq_len={GEN['prefill_lengths']}, "
        f"kv_cache_max_len={GEN['cache_length']}, export_config=ExportConfig())",
        "converter_file_name": made_name,
        "layers": GEN["layers"],
        "heads": GEN["heads"],
        "kv_heads": GEN["kv_heads"],
        "head_dim": GEN["head_dim"],
        "embedding_dim": GEN["embedding_dim"],
        "intermediate_size": GEN["intermediate"],
        "cache_length": GEN["cache_length"],
        "cache_dtype": cache["dtype"],
        "cache_shape": cache["shape"],
        "vocab_size": GEN["vocab_size"],
        "prefill_lengths": GEN["prefill_lengths"],
        "signatures": sorted(sigs),
        "quantize": quantize,
        "weight_block_size": block_size,
        "cache_bytes_per_signature": cache_bytes,
        "cache_bytes": cache_bytes["decode"],
        "cache_bytes_per_token": 2 * GEN["layers"] * GEN["kv_heads"] * GEN["head_dim"] * 4,
        "attention": "grouped-query (kv_heads < heads), RoPE base 10000, RMSNorm pre/post, gated SiLU FF",
    }
    write_json(OUT / f"{res.name}.generative.json", side)
    res.files.append(f"{res.name}.generative.json")
    res.facts["generative"] = side
    res.check(sorted(sigs) == ["decode", "prefill_8"], "signatures prefill_8 and decode")
    res.check(
        side["cache_bytes"] == side["cache_bytes_per_token"] * GEN["cache_length"],
        "cache bytes = 2 x layers x kv_heads x head_dim x 4 x cache_length",
    )
    # One decode step runs in LiteRT.
    feeds = {n: np.zeros(d["shape"], np.dtype(d["dtype"])) for n, d in sigs["decode"]["inputs"].items()}
    out = run_signature(path, "decode", feeds)
    res.check(list(out["logits"].shape) == [1, 1, GEN["vocab_size"]], "decode runs; logits [1, 1, vocab]")


@fixture
def gen_decoder_f32(res: Result) -> None:
    generative(res, "none", None)


@fixture
def gen_decoder_dynamic_int8(res: Result) -> None:
    generative(res, "dynamic_int8", None)


@fixture
def gen_decoder_dynamic_int4_block32(res: Result) -> None:
    generative(res, "dynamic_int4_block32", 32)


@fixture
def hf_llama_export_hf(res: Result) -> None:
    """The Hugging Face path: a tiny seeded LlamaForCausalLM saved locally, exported by
    `python -m litert_torch.generative.export_hf` with its defaults (dynamic int8, a .litertlm bundle)."""
    import codecs

    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    with quiet():
        import this
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "tiny_llama", Path(tmp) / "out"
        seeded()
        config = transformers.LlamaConfig(
            vocab_size=GEN["vocab_size"],
            hidden_size=GEN["embedding_dim"],
            intermediate_size=GEN["intermediate"],
            num_hidden_layers=GEN["layers"],
            num_attention_heads=GEN["heads"],
            num_key_value_heads=GEN["kv_heads"],
            max_position_embeddings=128,
        )
        with quiet():
            transformers.LlamaForCausalLM(config).save_pretrained(src)
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(
            vocab_size=GEN["vocab_size"],
            special_tokens=["<unk>", "<s>", "</s>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        )
        tok.train_from_iterator([codecs.decode(this.s, "rot13")], trainer)
        transformers.PreTrainedTokenizerFast(
            tokenizer_object=tok, bos_token="<s>", eos_token="</s>", unk_token="<unk>"
        ).save_pretrained(src)
        cmd = [
            sys.executable, "-m", "litert_torch.generative.export_hf", str(src), str(out),
            f"--prefill_lengths=[{GEN['prefill_lengths'][0]}]", f"--cache_length={GEN['cache_length']}",
            "--keep_temporary_files=True",
        ]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True)
        res.check(proc.returncode == 0, f"export_hf exits 0 (got {proc.returncode}: {proc.stderr[-1500:]})")
        if proc.returncode:
            return
        shutil.copy(out / "model_quantized.tflite", OUT / f"{res.name}.tflite")
        shutil.copy(out / "model.litertlm", OUT / f"{res.name}.litertlm")
        made = sorted(p.name for p in out.iterdir())
    path = OUT / f"{res.name}.tflite"
    res.files += [path.name, f"{res.name}.litertlm"]
    sigs = signature_facts(path)
    res.facts["signatures"] = {path.name: sigs}
    cache_bytes = sum(
        int(np.prod(d["shape"])) * np.dtype(d["dtype"]).itemsize
        for n, d in sigs["decode"]["inputs"].items()
        if n.startswith("kv_cache_")
    )
    side = {
        "made_by": " ".join(["python", *cmd[1:3], "<llama dir>", "<out dir>", *cmd[5:]]),
        "export_hf_outputs": made,
        "source": "transformers.LlamaConfig(vocab_size=256, hidden_size=64, intermediate_size=128, "
        "num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2), random seeded weights; "
        "tokenizers ByteLevel BPE (256)",
        "layers": GEN["layers"],
        "heads": GEN["heads"],
        "kv_heads": GEN["kv_heads"],
        "head_dim": GEN["embedding_dim"] // GEN["heads"],
        "cache_length": GEN["cache_length"],
        "cache_shapes": {n: d["shape"] for n, d in sigs["decode"]["inputs"].items() if n.startswith("kv_cache_")},
        "cache_dtype": sigs["decode"]["inputs"]["kv_cache_k_0"]["dtype"],
        "vocab_size": GEN["vocab_size"],
        "prefill_lengths": GEN["prefill_lengths"],
        "signatures": sorted(sigs),
        "quantize": "export_hf default (dynamic int8)",
        "cache_bytes": cache_bytes,
        "litertlm": f"{res.name}.litertlm, written by export_hf (bundle_litert_lm default)",
    }
    write_json(OUT / f"{res.name}.generative.json", side)
    res.files.append(f"{res.name}.generative.json")
    res.facts["generative"] = side
    res.check(sorted(sigs) == ["decode", "prefill_8"], "signatures prefill_8 and decode")
    res.check(cache_bytes == 2 * GEN["layers"] * GEN["kv_heads"] * 16 * 4 * GEN["cache_length"], "cache bytes")
    feeds = {n: np.zeros(d["shape"], np.dtype(d["dtype"])) for n, d in sigs["decode"]["inputs"].items()}
    out_d = run_signature(path, "decode", feeds)
    res.check(out_d["logits"].shape[-1] == GEN["vocab_size"], "decode runs; logits over the vocabulary")
    res.facts["how"] = side["made_by"]


@fixture
def tokenizer(res: Result) -> None:
    """A tiny SentencePiece model (256 pieces, like the decoders' vocabulary) for the .task/.litertlm bundles."""
    import codecs

    import sentencepiece as spm

    with quiet():
        import this  # the Zen of Python: a fixed corpus that ships with CPython
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):  # the model records these paths: keep them fixed
        Path("corpus.txt").write_text(codecs.decode(this.s, "rot13"))
        spm.SentencePieceTrainer.train(
            input="corpus.txt",
            model_prefix="tok",
            vocab_size=GEN["vocab_size"],
            model_type="bpe",
            character_coverage=1.0,
            hard_vocab_limit=False,
            unk_id=0,
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            normalization_rule_name="identity",
            num_threads=1,
            minloglevel=2,
        )
        shutil.copy(Path(tmp) / "tok.model", OUT / "tokenizer.model")
    res.files.append("tokenizer.model")
    sp = spm.SentencePieceProcessor(model_file=str(OUT / "tokenizer.model"))
    res.facts["pieces"] = sp.get_piece_size()
    res.facts["special"] = {"unk": sp.id_to_piece(0), "bos": sp.id_to_piece(1), "eos": sp.id_to_piece(2)}
    res.check(sp.get_piece_size() <= GEN["vocab_size"], "pieces fit the decoders' vocabulary")
    res.facts["how"] = "sentencepiece BPE trained on the Zen of Python, vocab 256, identity normalization (3 KB)"


# --------------------------------------------------------------------------------------------------------------
# Failed conversions for `diagnose` (issue 21), each with a fixed twin that converts


def capture_failure(res: Result, stem: str, note: str, fn: Callable[[], Any]) -> bool:
    """Run FN (a conversion expected to fail); write what the user sees into STEM.error.txt."""
    with quiet():
        try:
            fn()
        except Exception as ex:
            text = "".join(traceback.format_exception(ex))
        else:
            res.check(False, f"{stem}: conversion was expected to fail")
            return False
    (OUT / f"{stem}.error.txt").write_text(text)
    res.files.append(f"{stem}.error.txt")
    res.facts.setdefault("errors", {})[f"{stem}.error.txt"] = {"note": note, "last_line": text.strip().splitlines()[-1]}
    return True


def converts(res: Result, label: str, fn: Callable[[], Any]) -> None:
    with quiet():
        try:
            fn()
            ok, err = True, ""
        except Exception as ex:
            ok, err = False, f"{type(ex).__name__}: {ex}"
    res.facts.setdefault("fixes", {})[label] = {"converts": ok, **({"error": err[:500]} if err else {})}
    res.check(ok, f"fix converts: {label}")


class FlattenClassifier(nn.Module):
    def __init__(self, keep_batch: bool = False) -> None:
        super().__init__()
        self.keep_batch = keep_batch
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(8 * 16 * 16, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)
        f = f.reshape(-1, 8 * 16 * 16) if self.keep_batch else self.flatten(f)
        return self.fc(f)


@fixture
def fail_flatten_dynamic_batch(res: Result) -> None:
    seeded()
    args = (torch.randn(2, 3, 32, 32),)
    ds = ({0: Dim("batch", min=1, max=16)},)
    capture_failure(
        res,
        "flatten_dynamic_batch",
        "FlattenClassifier (nn.Flatten before nn.Linear), sample (2, 3, 32, "
        "32), dynamic_shapes=({0: Dim('batch', min=1, max=16)},)",
        lambda: litert_torch.convert(FlattenClassifier().eval(), args, dynamic_shapes=ds),
    )
    converts(
        res,
        "static batch: same module, no dynamic_shapes, sample (1, 3, 32, 32)",
        lambda: litert_torch.convert(FlattenClassifier().eval(), (torch.randn(1, 3, 32, 32),)),
    )
    converts(
        res,
        "reshape keeping batch as -1: f.reshape(-1, 8*16*16) instead of nn.Flatten, same dynamic_shapes",
        lambda: litert_torch.convert(FlattenClassifier(keep_batch=True).eval(), args, dynamic_shapes=ds),
    )


class SeqAttention(nn.Module):
    """Self-attention over a token sequence, heads split with view(b, t, heads, -1)."""

    def __init__(self, dim: int = 32, heads: int = 4, causal: bool = False) -> None:
        super().__init__()
        self.heads = heads
        self.causal = causal
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        return self.out(a.transpose(1, 2).reshape(b, t, c))


@fixture
def fail_attention_dynamic_seq(res: Result) -> None:
    seeded()
    args = (torch.randn(1, 16, 32),)
    ds = ({1: Dim("seq", min=2, max=128)},)
    for stem, causal in (("attention_dynamic_seq", False), ("attention_causal_dynamic_seq", True)):
        capture_failure(
            res,
            stem,
            f"SeqAttention(causal={causal}) (view to heads + F.scaled_dot_product_attention("
            f"is_causal={causal})), sample (1, 16, 32), dynamic_shapes=({{1: Dim('seq', min=2, max=128)}},)",
            lambda causal=causal: litert_torch.convert(SeqAttention(causal=causal).eval(), args, dynamic_shapes=ds),
        )
        converts(
            res,
            f"{stem}: static sequence length (no dynamic_shapes; pad inputs to 16 tokens)",
            lambda causal=causal: litert_torch.convert(SeqAttention(causal=causal).eval(), args),
        )
    # What the generative API does instead of a dynamic length: one signature per fixed length.
    seeded()
    m = SeqAttention(causal=True).eval()
    converts(
        res,
        "one signature per length: litert_torch.signature('seq_8', m, (x8,)).signature('seq_32', m, (x32,))",
        lambda: (
            litert_torch.signature("seq_8", m, (torch.randn(1, 8, 32),))
            .signature("seq_32", m, (torch.randn(1, 32, 32),))
            .convert()
        ),
    )


class UnsupportedOp(nn.Module):
    """An op with no litert-torch lowering (aten.median.dim) in an otherwise plain model: a robust feature centre."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.proj(x)
        return y - torch.median(y, dim=-1, keepdim=True).values


class UnsupportedOpFixed(UnsupportedOp):
    """The same lower median from a sort (aten.sort lowers): torch.median picks element (n - 1) // 2."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.proj(x)
        mid = y.sort(dim=-1).values[..., (y.shape[-1] - 1) // 2 :]
        return y - mid[..., :1]


@fixture
def fail_unsupported_op(res: Result) -> None:
    seeded()
    args = (torch.randn(1, 16),)
    capture_failure(
        res,
        "unsupported_op",
        "UnsupportedOp (torch.median(y, dim=-1) after a Linear), sample (1, 16), no options",
        lambda: litert_torch.convert(UnsupportedOp().eval(), args),
    )
    seeded()
    ref = UnsupportedOp().eval()
    fixed = UnsupportedOpFixed().eval()
    fixed.load_state_dict(ref.state_dict())
    with torch.no_grad():
        res.facts["fixed_matches_median"] = float(torch.max(torch.abs(fixed(args[0]) - ref(args[0]))))
    res.check(res.facts["fixed_matches_median"] == 0.0, "the sort-based median equals torch.median")
    converts(
        res,
        "torch.median replaced by y.sort(dim=-1).values[..., (n - 1) // 2] (UnsupportedOpFixed)",
        lambda: litert_torch.convert(fixed, args),
    )


# --------------------------------------------------------------------------------------------------------------
# onnx2tf: torch.onnx.export, then onnx2tf from its own venv (it pins TensorFlow 2.19 and numpy 1.26)


ONNX2TF: str | None = None


def onnx2tf_run(onnx_path: Path, out_dir: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    """Run onnx2tf offline. It test-runs every static 3-channel image model on sample images that it downloads
    from GitHub unless `calibration_image_sample_data_20x128x128x3_float32.npy` lies in the working directory
    (offline: requests ConnectionError); a seeded random stand-in is written there, only for that test run."""
    cwd = onnx_path.parent
    sample = cwd / "calibration_image_sample_data_20x128x128x3_float32.npy"
    if not sample.exists():
        np.save(sample, np.random.default_rng(SEED).random((20, 128, 128, 3), dtype=np.float32))
    assert ONNX2TF
    return subprocess.run(
        [ONNX2TF, "-i", str(onnx_path), "-o", str(out_dir), "-n", *flags],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
    )


def onnx2tf_convert(
    res: Result, stem: str, model: nn.Module, args: tuple[torch.Tensor, ...], *flags: str, dynamic_batch: bool = False
) -> bool:
    if not ONNX2TF:
        res.facts["skipped"] = "no --onnx2tf given"
        return False
    with tempfile.TemporaryDirectory() as tmp:
        onnx_path = Path(tmp) / f"{stem}.onnx"
        axes = {"image": {0: "batch"}, "logits": {0: "batch"}} if dynamic_batch else None
        with quiet():
            torch.onnx.export(
                model,
                args,
                str(onnx_path),
                input_names=["image"],
                output_names=["logits"],
                opset_version=17,
                dynamo=False,
                dynamic_axes=axes,
            )
        proc = onnx2tf_run(onnx_path, Path(tmp) / "out", *flags)
        made = sorted((Path(tmp) / "out").glob("*_float32.tflite"))
        if proc.returncode or not made:
            res.facts["onnx2tf_error_tail"] = (proc.stdout + proc.stderr)[-3000:]
            return False
        shutil.copy(made[0], OUT / f"{stem}.tflite")
    path = OUT / f"{stem}.tflite"
    res.files.append(path.name)
    sig = signature_facts(path)
    res.facts["signatures"] = {path.name: sig}
    key = next(iter(sig))
    inp = sig[key]["inputs"][sig[key]["input_order"][0]]
    x = args[0].numpy()
    feed = x.transpose(0, 2, 3, 1) if inp["shape"][-1] == x.shape[1] and x.ndim == 4 else x
    got = run_signature(path, key, {sig[key]["input_order"][0]: feed})
    want = model(*args).detach().numpy()
    out = next(iter(got.values()))
    if out.shape != want.shape and want.ndim == 4:
        want = want.transpose(0, 2, 3, 1)
        res.facts["output_layout"] = "NHWC (onnx2tf transposes NCHW outputs)"
    res.facts["max_abs_diff_vs_torch"] = {path.name: float(np.max(np.abs(out - want)))}
    res.facts["input_layout"] = "NHWC (onnx2tf transposes NCHW inputs)" if feed is not x else "as exported"
    return True


@fixture
def onnx2tf_classifier(res: Result) -> None:
    seeded()
    model = PoolClassifier().eval()
    res.check(onnx2tf_convert(res, res.name, model, (torch.randn(1, 3, 32, 32),)), "onnx2tf converts")
    res.facts["how"] = "PoolClassifier, static (1, 3, 32, 32); torch.onnx.export(opset 17, dynamo=False); onnx2tf -n"


@fixture
def onnx2tf_seg(res: Result) -> None:
    """TinySeg exported with a dynamic batch: onnx2tf fails on its ConvTranspose (also with -b 1 or -ois); the
    static export converts."""
    seeded()
    model = TinySeg().eval()
    args = (torch.randn(1, 3, 64, 64),)
    failed = not onnx2tf_convert(res, res.name, model, args, dynamic_batch=True)
    res.check(failed, "onnx2tf fails on the dynamic batch (ConvTranspose output shape)")
    if failed and "onnx2tf_error_tail" in res.facts:
        text = res.facts.pop("onnx2tf_error_tail")
        text = text[text.find("Traceback") :] if "Traceback" in text else text
        (OUT / "onnx2tf_convtranspose_dynamic_batch.error.txt").write_text(text)
        res.files.append("onnx2tf_convtranspose_dynamic_batch.error.txt")
        res.facts["errors"] = {
            "onnx2tf_convtranspose_dynamic_batch.error.txt": {
                "note": "TinySeg, torch.onnx.export(dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}}), "
                "onnx2tf -n: the traceback from the end of its output"
            }
        }
    for flags in (("-b", "1"), ("-ois", "image:1,3,64,64")):
        ok = onnx2tf_convert(res, res.name, model, args, *flags, dynamic_batch=True)
        res.facts.pop("onnx2tf_error_tail", None)
        res.facts.setdefault("dynamic_batch_with_flags", {})[" ".join(flags)] = "converts" if ok else "fails the same"
    res.check(onnx2tf_convert(res, res.name, model, args), "the static export converts")
    res.facts["how"] = (
        "TinySeg, static (1, 3, 64, 64); torch.onnx.export(opset 17, dynamo=False); onnx2tf -n. With dynamic_axes "
        "on the batch onnx2tf fails (onnx2tf_convtranspose_dynamic_batch.error.txt), with -b 1 or -ois too"
    )


# --------------------------------------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    out = {"python": sys.version.split()[0]}
    for p in VERSION_PACKAGES:
        with contextlib.suppress(md.PackageNotFoundError):
            out[p] = md.version(p)
    return out


def main(argv: list[str] | None = None) -> int:
    global ONNX2TF
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=sorted(BUILDERS), help="build only these (repeatable)")
    ap.add_argument("--onnx2tf", help="path of the onnx2tf executable (its own venv)")
    ns = ap.parse_args(argv)
    ONNX2TF = ns.onnx2tf
    torch.set_num_threads(1)
    manifest_path = OUT / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {"fixtures": {}}
    failed = 0
    for name in ns.only or sorted(BUILDERS):
        res = Result(name)
        try:
            BUILDERS[name](res)
        except Exception:
            res.failures.append("builder raised:\n" + traceback.format_exc())
        for f in res.files:
            p = OUT / f
            res.facts.setdefault("file_bytes", {})[f] = p.stat().st_size
            res.facts.setdefault("sha256", {})[f] = hashlib.sha256(p.read_bytes()).hexdigest()
        res.facts["files"] = res.files
        res.facts["versions"] = versions()
        manifest["fixtures"][name] = res.facts
        status = "FAIL" if res.failures else "ok"
        failed += bool(res.failures)
        sizes = ", ".join(f"{f} {res.facts['file_bytes'][f]:,} B" for f in res.files)
        print(f"{status:4} {name}: {sizes}")
        for f in res.failures:
            print(f"     {f}")
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    manifest["total_bytes_in_samples_torch"] = total
    manifest["versions_of_last_run"] = versions()
    manifest["fixtures"] = dict(sorted(manifest["fixtures"].items()))
    write_json(manifest_path, manifest)
    print(f"samples/torch holds {total:,} bytes (budget {BUDGET_BYTES:,})")
    if total > BUDGET_BYTES:
        print("FAIL over the size budget")
        failed += 1
    return 1 if failed else 0


def gen_model() -> tuple[nn.Module, Any]:  # kept below the failure captures: their texts quote line numbers
    seeded()
    return decoder(GEN)


if __name__ == "__main__":
    sys.exit(main())
