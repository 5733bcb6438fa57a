"""Layer names from tensor names, one scheme per producer (literal names as each producer writes them)."""

from __future__ import annotations

import pytest

from tfl_inspect import naming

RESNET_RELU = (
    "torchvision.models.resnet.ResNet/torch.nn.modules.container.Sequential_layer1/"
    "torchvision.models.resnet.BasicBlock_0/torch.nn.modules.activation.ReLU_relu;"
)
CONFORMER = "torchaudio.models.conformer.ConformerLayer"


@pytest.mark.parametrize(
    ("name", "path", "layer"),
    [
        ("model/block_3/conv/Conv2D", ("model", "block_3", "conv"), "model/block_3/conv"),
        ("functional_1/dense_1/MatMul;functional_1/dense_1/Relu", ("functional_1", "dense_1"), "functional_1/dense_1"),
        ("model/dense/BiasAdd:0", ("model", "dense"), "model/dense"),
        ("serving_default_x:0", (), "serving_default_x"),
        ("StatefulPartitionedCall_1:0", (), "StatefulPartitionedCall_1"),
        ("conv2d_21", (), "conv2d_21"),
        ("model_1/model/conv2d/Conv2D_dequantize", ("model_1", "model", "conv2d"), "model_1/model/conv2d"),
        ("Const_dequantize", (), "Const"),
        # onnx2tf's TF-converter path: Keras TFOpLambda layers
        ("model_1/tf.math.multiply_94/Mul", ("model_1", "tf.math.multiply_94"), "model_1/tf.math.multiply_94"),
        ("", (), ""),
    ],
)
def test_tensorflow_names(name: str, path: tuple[str, ...], layer: str) -> None:
    found = naming.layer(name)
    assert (found.scheme, found.path, found.name) == ("tensorflow", path, layer)


@pytest.mark.parametrize(
    ("name", "layer"),
    [("add_17__xeno_compat__1", "add_17"), ("conv2d/Kernel", "conv2d"), ("conv2d_1/Bias_dequantize", "conv2d_1")],
)
def test_mediapipe_names(name: str, layer: str) -> None:
    assert naming.layer(name, "mediapipe").name == layer


def test_xeno_suffix_chooses_the_mediapipe_scheme() -> None:
    assert naming.scheme_of("add_17__xeno_compat__1") == "mediapipe"
    assert naming.layer("add_17__xeno_compat__1").name == "add_17"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        (RESNET_RELU, ("layer1", "0", "relu")),
        (RESNET_RELU + ";" + RESNET_RELU + "7", ("layer1", "0", "relu")),
        (
            f"{CONFORMER}/torchaudio.models.conformer._FeedForwardModule_ffn2/"
            "torch.nn.modules.container.Sequential_sequential/torch.nn.modules.linear.Linear_4;2",
            ("ffn2", "sequential", "4"),
        ),
        # fused with the root module's own work: the part inside a submodule names the op
        (
            f"{CONFORMER};;{CONFORMER}/torchaudio.models.conformer._FeedForwardModule_ffn1/"
            "torch.nn.modules.container.Sequential_sequential/torch.nn.modules.linear.Linear_4;2",
            ("ffn1", "sequential", "4"),
        ),
        (f"{CONFORMER};4", ()),  # the root module: named "" by named_modules()
        (f"{CONFORMER}/torch.nn.modules.activation.MultiheadAttention_self_attn;13", ("self_attn",)),
        ("__main__.main.<locals>.Net/torch.nn.modules.conv.Conv2d_conv_1;", ("conv_1",)),
        (
            "litert_torch.generative.utilities.model.DecoderModel/torch.nn.modules.container.ModuleList_transformer_blocks/"
            "litert_torch.generative.layers.attention.TransformerBlock_0/"
            "litert_torch.generative.layers.feed_forward.GatedFeedForward_ff;",
            ("transformer_blocks", "0", "ff"),
        ),
    ],
)
def test_litert_torch_class_paths_become_module_names(name: str, path: tuple[str, ...]) -> None:
    found = naming.layer(name)
    assert found.scheme == "litert-torch"
    assert found.path == path
    assert found.name == ".".join(path)
    assert naming.layer(name, "litert-torch") == found


def test_litert_torch_root_module_is_named_by_its_class_path() -> None:
    found = naming.layer(f"{CONFORMER};4")
    assert (found.name, found.root, found.label) == ("", CONFORMER, CONFORMER)
    assert naming.layer_name("__main__.SDPA;") == "__main__.SDPA"
    inside = naming.layer(f"{CONFORMER}/torch.nn.modules.activation.MultiheadAttention_self_attn;13")
    assert (inside.label, inside.root) == ("self_attn", CONFORMER)


def test_litert_torch_signature_tensors_are_tf_names() -> None:
    assert naming.layer("serving_default_args_0:0", "litert-torch").name == "serving_default_args_0"
    assert naming.layer("StatefulPartitionedCall:0", "litert-torch").name == "StatefulPartitionedCall"


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("/layer1/layer1.0/relu/Relu", ("layer1", "0", "relu")),
        ("/layer1/layer1.0/relu/Relu_output_0", ("layer1", "0", "relu")),
        ("/features/features.1/conv/conv.0/conv.0.0/Conv", ("features", "1", "conv", "0", "0")),
        ("/fc/Gemm", ("fc",)),
        ("/Flatten", ()),
    ],
)
def test_onnx_node_names_become_module_names(name: str, path: tuple[str, ...]) -> None:
    found = naming.layer(name)
    assert (found.scheme, found.path, found.name) == ("onnx2tf", path, ".".join(path))


def test_onnx2tf_leading_wa_is_the_rewritten_slash() -> None:
    assert naming.layer("wa/layer1/layer1.0/relu/Relu", "onnx2tf").name == "layer1.0.relu"
    # without the producer, "wa" reads as a TF scope
    assert naming.layer("wa/layer1/layer1.0/relu/Relu").name == "wa/layer1/layer1.0/relu"
    assert naming.layer("model_1/tf.math.multiply_94/Mul", "onnx2tf").name == "model_1/tf.math.multiply_94"


def test_producer_wins_over_shape_and_unknown_producers_use_the_shape() -> None:
    assert naming.scheme_of("model/conv/Conv2D", "litert-torch") == "litert-torch"
    assert naming.scheme_of(RESNET_RELU, "unknown") == "litert-torch"
    assert naming.scheme_of(RESNET_RELU, None) == "litert-torch"
    assert naming.scheme_of("model/conv/Conv2D", "unknown") == "tensorflow"
    assert naming.scheme_of("tfl.pseudo_qconst") == "tensorflow"  # a dotted name, but no class


def test_join_spells_a_prefix_as_the_scheme_does() -> None:
    assert naming.layer(RESNET_RELU).join(("layer1", "0")) == "layer1.0"
    assert naming.layer("a/b/c/Op").join(("a", "b")) == "a/b"
