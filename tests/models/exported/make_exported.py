"""Writes the exported-model corpus of this folder: small CNNs with fixed random weights,
exported to ONNX by PyTorch's two exporters and by tf2onnx from Keras, so that
test_exported.py can run each through predict against onnxruntime.

Nothing here is trained; what matters is the graph each exporter writes. Widths are tiny
to keep the files small (each under 150 KB). BatchNorms get non-trivial statistics; every
exporter folds a BatchNorm that follows a Conv into its weights, so each framework also
has one that follows a Concat or an Add and stays a BatchNormalization node.

The two frameworks need two virtual environments (TensorFlow 2.15 pins ml_dtypes 0.3,
with which onnx >= 1.17 fails to import):

    python3.11 -m venv /tmp/exp
    /tmp/exp/bin/pip install torch==2.13.0+cpu     # PyPI carries the CPU-only build too
    /tmp/exp/bin/pip install onnx==1.23.2 onnxscript==0.7.2
    /tmp/exp/bin/python tests/models/exported/make_exported.py torch

    python3.11 -m venv /tmp/tfexp
    /tmp/tfexp/bin/pip install tensorflow-cpu==2.15.1 tf2onnx==1.17.0 onnx==1.16.2
    /tmp/tfexp/bin/python tests/models/exported/make_exported.py keras

Each run rewrites its files. The PyTorch ones come out byte for byte the same when made
from the same path (the dynamo exporter records each node's source file and line); in
tf2onnx's, the names of a few shared constants change from run to run, never a value.
"""
import math
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent


def export_torch():
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    class ConvBN(nn.Sequential):
        def __init__(self, cin, cout, k, stride=1, groups=1, act=nn.ReLU6):
            layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                      nn.BatchNorm2d(cout)]
            super().__init__(*layers, *([act()] if act else []))

    class SqueezeExcite(nn.Module):
        def __init__(self, c, hidden):
            super().__init__()
            self.reduce, self.expand = nn.Conv2d(c, hidden, 1), nn.Conv2d(hidden, c, 1)

        def forward(self, x):
            s = F.adaptive_avg_pool2d(x, 1)
            return x * F.hardsigmoid(self.expand(F.relu(self.reduce(s))))

    class InvertedResidual(nn.Module):
        def __init__(self, c, expand):
            super().__init__()
            h = c * expand
            self.block = nn.Sequential(ConvBN(c, h, 1), ConvBN(h, h, 3, groups=h),
                                       SqueezeExcite(h, 8), ConvBN(h, c, 1, act=None))

        def forward(self, x):
            return x + self.block(x)

    class MobileNet(nn.Module):
        """MobileNetV2/V3 idioms: ReLU6, depthwise convs, a skip, squeeze-excite, Hardswish."""

        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                ConvBN(3, 8, 3, 2), ConvBN(8, 8, 3, groups=8), ConvBN(8, 16, 1),
                ConvBN(16, 16, 3, 2, groups=16), InvertedResidual(16, 3),
                ConvBN(16, 32, 1, act=nn.Hardswish))
            self.classifier = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                            nn.Dropout(0.2), nn.Linear(32, 10))

        def forward(self, x):
            return self.classifier(self.features(x))

    class Conv2dSame(nn.Conv2d):
        """timm's Conv2dSame: TensorFlow's 'SAME' padding computed from the input's size at
        run time, which the TorchScript exporter records as Shape arithmetic."""

        def forward(self, x):
            ih, iw = x.size()[-2:]
            kh, kw = self.weight.size()[-2:]
            sh, sw = self.stride
            oh, ow = math.ceil(ih / sh), math.ceil(iw / sw)
            ph = max((oh - 1) * sh + (kh - 1) * self.dilation[0] + 1 - ih, 0)
            pw = max((ow - 1) * sw + (kw - 1) * self.dilation[1] + 1 - iw, 0)
            x = F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])
            return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

    class TimmSame(nn.Module):
        """An EfficientNet stem as timm ports it from TensorFlow: 'SAME' convs and SiLU."""

        def __init__(self):
            super().__init__()
            self.conv_stem, self.bn1 = Conv2dSame(3, 8, 3, 2, bias=False), nn.BatchNorm2d(8)
            self.conv_dw, self.bn2 = Conv2dSame(8, 8, 5, 2, groups=8, bias=False), nn.BatchNorm2d(8)
            self.act = nn.SiLU()
            self.fc = nn.Linear(8 * 9 * 9, 10)

        def forward(self, x):
            x = self.act(self.bn1(self.conv_stem(x)))
            x = self.bn2(self.conv_dw(x))
            x = x * torch.sigmoid(x)  # Swish written out, as older EfficientNet ports do
            return self.fc(x.view(x.size(0), -1))

    class BasicBlock(nn.Module):
        def __init__(self, cin, cout, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                nn.BatchNorm2d(cout))

        def forward(self, x):
            identity = x if self.downsample is None else self.downsample(x)
            out = F.relu(self.bn1(self.conv1(x)))
            return F.relu(self.bn2(self.conv2(out)) + identity)

    class ResNet(nn.Module):
        """torchvision's ResNet layout, with a Softmax on the logits."""

        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(8)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.layer1, self.layer2 = BasicBlock(8, 8, 1), BasicBlock(8, 16, 2)
            self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(16, 10)

        def forward(self, x):
            x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
            x = self.avgpool(self.layer2(self.layer1(x)))
            return F.softmax(self.fc(torch.flatten(x, 1)), dim=1)

    def channel_shuffle(x, groups):
        b, c, h, w = x.size()
        x = x.view(b, groups, c // groups, h, w).transpose(1, 2).contiguous()
        return x.view(b, -1, h, w)

    class ShuffleUnit(nn.Module):
        """torchvision's ShuffleNetV2 InvertedResidual: chunk, branch, concat, shuffle."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.stride, c = stride, cout // 2
            if stride > 1:
                self.branch1 = nn.Sequential(ConvBN(cin, cin, 3, stride, groups=cin, act=None),
                                             ConvBN(cin, c, 1, act=nn.ReLU))
            self.branch2 = nn.Sequential(ConvBN(cin if stride > 1 else c, c, 1, act=nn.ReLU),
                                         ConvBN(c, c, 3, stride, groups=c, act=None),
                                         ConvBN(c, c, 1, act=nn.ReLU))

        def forward(self, x):
            if self.stride == 1:
                x1, x2 = x.chunk(2, dim=1)
                out = torch.cat((x1, self.branch2(x2)), dim=1)
            else:
                out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
            return channel_shuffle(out, 2)

    class ShuffleNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = ConvBN(3, 8, 3, 2, act=nn.ReLU)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            self.stage = nn.Sequential(ShuffleUnit(8, 16, 2), ShuffleUnit(16, 16, 1))
            self.conv5 = ConvBN(16, 32, 1, act=nn.ReLU)
            self.fc = nn.Linear(32, 10)

        def forward(self, x):
            x = self.conv5(self.stage(self.maxpool(self.conv1(x))))
            return self.fc(x.mean([2, 3]))

    def double_conv(cin, cout):
        return nn.Sequential(ConvBN(cin, cout, 3, act=nn.ReLU), ConvBN(cout, cout, 3, act=nn.ReLU))

    class UNet(nn.Module):
        """A segmentation net: both upsampling idioms (interpolate and ConvTranspose), skip
        concats, a per-pixel Sigmoid. dec1 is pre-activation (BN-ReLU-Conv, as in DenseNet):
        every exporter folds a BatchNorm that follows a Conv, so this is the one that stays."""

        def __init__(self):
            super().__init__()
            self.enc1, self.enc2 = double_conv(3, 8), double_conv(8, 16)
            self.mid = double_conv(16, 16)
            self.dec2 = double_conv(32, 8)
            self.up1 = nn.ConvTranspose2d(8, 8, 2, stride=2)
            self.dec1 = nn.Sequential(nn.BatchNorm2d(16), nn.ReLU(), double_conv(16, 8))
            self.head, self.coarse = nn.Conv2d(8, 1, 1), nn.Conv2d(16, 1, 1)

        def forward(self, x):
            e1 = self.enc1(x)
            e2 = self.enc2(F.max_pool2d(e1, 2))
            m = self.mid(F.max_pool2d(e2, 2))
            d2 = F.interpolate(m, scale_factor=2, mode="bilinear", align_corners=False)
            d2 = self.dec2(torch.cat([d2, e2], dim=1))
            d1 = self.dec1(torch.cat([self.up1(d2), e1], dim=1))
            coarse = F.interpolate(self.coarse(m), scale_factor=4, mode="nearest")
            return torch.sigmoid(self.head(d1) + coarse)

    class LayerNorm2d(nn.LayerNorm):
        """ConvNeXt's channel LayerNorm on NCHW: permute, normalize the last axis, permute back."""

        def forward(self, x):
            x = x.permute(0, 2, 3, 1)
            x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
            return x.permute(0, 3, 1, 2)

    class ConvNeXtBlock(nn.Module):
        def __init__(self, c):
            super().__init__()
            self.dwconv = nn.Conv2d(c, c, 7, padding=3, groups=c)
            self.norm = nn.LayerNorm(c, eps=1e-6)
            self.pwconv1, self.act = nn.Linear(c, 4 * c), nn.GELU()
            self.pwconv2 = nn.Linear(4 * c, c)
            self.gamma = nn.Parameter(torch.full((c,), 0.5))  # layer scale

        def forward(self, x):
            y = self.dwconv(x).permute(0, 2, 3, 1)  # the pointwise convs are Linear layers on NHWC
            y = self.gamma * self.pwconv2(self.act(self.pwconv1(self.norm(y))))
            return x + y.permute(0, 3, 1, 2)

    class ConvNeXt(nn.Module):
        """The ConvNeXt layout of torchvision and timm: patchify stem, LayerNorm, GELU."""

        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(3, 16, 4, stride=4), LayerNorm2d(16, eps=1e-6))
            self.block = ConvNeXtBlock(16)
            self.norm, self.head = nn.LayerNorm(16, eps=1e-6), nn.Linear(16, 10)

        def forward(self, x):
            x = self.block(self.stem(x))
            return self.head(self.norm(x.mean([-2, -1])))

    models = {"mobilenet": (MobileNet, 64), "timm_same": (TimmSame, 33), "resnet": (ResNet, 64),
              "shufflenet": (ShuffleNet, 64), "unet": (UNet, 32), "convnext": (ConvNeXt, 64)}
    io = {"input_names": ["input"], "output_names": ["output"]}
    for name, (cls, size) in models.items():
        torch.manual_seed(0)
        model = cls()
        with torch.no_grad():
            for m in model.modules():
                if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                    # He init keeps activations from shrinking layer by layer, so that the
                    # outputs spread and a wrong number shows.
                    nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if isinstance(m, (nn.BatchNorm2d, nn.LayerNorm)):
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.uniform_(-0.5, 0.5)
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.uniform_(-0.5, 0.5)
                    m.running_var.uniform_(0.5, 2.0)
        model.eval()
        # Batch 2: traced at batch 1, torch.export specializes the batch of the UNet (its
        # interpolate) and then refuses Dim("batch").
        x = (torch.randn(2, 3, size, size),)
        for opset in (13, 17):
            torch.onnx.export(model, x, HERE / f"legacy{opset}_{name}.onnx", dynamo=False,
                              opset_version=opset, **io,
                              dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
        batch = {"x": {0: torch.export.Dim("batch")}}
        torch.onnx.export(model, x, HERE / f"dynamo_{name}.onnx", dynamo=True, external_data=False,
                          dynamic_shapes=batch, **io)
        if name == "mobilenet":  # the exporter's default: weights in a side file, <name>.onnx.data
            torch.onnx.export(model, x, HERE / f"dynamo_external_{name}.onnx", dynamo=True,
                              dynamic_shapes=batch, **io)


def export_keras():
    import tensorflow as tf
    import tf2onnx

    def custom_cnn():
        layers = tf.keras.layers
        inp = tf.keras.Input((64, 64, 3))
        # ImageNet normalization inside the model, as keras.applications.EfficientNet has it.
        x = layers.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.052, 0.050, 0.051])(inp)
        x = layers.Conv2D(16, 3, strides=2, padding="same", use_bias=False)(x)
        x = layers.ReLU(max_value=6.0)(layers.BatchNormalization()(x))
        x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
        y = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
        y = layers.ReLU(max_value=6.0)(layers.BatchNormalization()(y))
        y = layers.BatchNormalization()(layers.Conv2D(16, 1, use_bias=False)(y))
        x = layers.BatchNormalization()(layers.Add()([x, y]))  # stays a BatchNormalization
        x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu")(x)
        x = layers.Dense(10)(layers.GlobalAveragePooling2D()(x))
        return tf.keras.Model(inp, layers.Softmax()(x))

    def mobilenet():
        # alpha 0.25, the smallest pretrained width, would write 885 KB; the layout is the same.
        return tf.keras.applications.MobileNet(input_shape=(64, 64, 3), alpha=0.0625,
                                               weights=None, classes=10)

    for name, build in {"custom_cnn": custom_cnn, "mobilenet": mobilenet}.items():
        tf.keras.utils.set_random_seed(0)
        model = build()
        rng = np.random.default_rng(0)
        for layer in model.layers:
            if isinstance(layer, tf.keras.layers.BatchNormalization):
                c = layer.gamma.shape[0]
                layer.gamma.assign(rng.uniform(0.5, 1.5, c))
                layer.beta.assign(rng.uniform(-0.5, 0.5, c))
                layer.momentum = 0.0  # the moving statistics become those of the batch below
            elif getattr(layer, "bias", None) is not None:
                # Keras starts biases at zero, and tf2onnx drops a zero bias.
                layer.bias.assign(rng.uniform(-0.5, 0.5, layer.bias.shape))
        # Moving statistics measured on data (random ones make the signal fade out over
        # MobileNet's 27 BatchNorms: every input would give the same output).
        model(rng.standard_normal((8, *model.input_shape[1:])).astype(np.float32), training=True)
        spec = (tf.TensorSpec((None,) + model.input_shape[1:], tf.float32, name="input"),)
        for opset in (13, 17):
            tf2onnx.convert.from_keras(model, input_signature=spec, opset=opset,
                                       output_path=str(HERE / f"tf2onnx{opset}_{name}.onnx"))


if __name__ == "__main__":
    {"torch": export_torch, "keras": export_keras}[sys.argv[1]]()
    for path in sorted(HERE.glob("*.onnx*")):
        print(f"{path.stat().st_size:8d} {path.name}")
