#!/usr/bin/python3
"""Make Lopper's test models (run from the repository root):

    /usr/bin/python3 samples/scripts/make_test_models.py [--out DIR] [--only NAME[,NAME...]] [--list]

Writes small-width variants of real architectures, exported by torch 1.13's TorchScript ONNX exporter
at several opsets, plus graphs built by hand with onnx.helper (quantized ops, Constant/Identity weights,
Gather, Einsum, TF/Keras-style NHWC, Paddle-style shape subgraphs) into DIR (default
src/test/resources/models), and updates DIR/manifest.json.

manifest.json is an array of objects, one per file, merged on "file": keys this script computes
(file, family, exporter, opset, sha256, nodes, params, inputs, outputs, notes, input/output shapes)
are refreshed, any other keys (added by other engineers, e.g. expected groups) are kept.
Files this script no longer makes keep their manifest entries only if the file still exists.

Weights are random (fixed seeds) but BatchNorm/LayerNorm statistics and affine parameters are
randomized per channel so that importance criteria differ between channels.
Needs Debian's python3-torch, python3-torchvision, python3-onnx. Python is never needed at run time.
"""
import argparse
import collections
import hashlib
import json
import math
import os
import sys
import traceback
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from onnx import TensorProto, helper, numpy_helper

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
DEFAULT_OUT = os.path.join(ROOT, "src", "test", "resources", "models")
TORCH_EXPORTER = "torch " + ".".join(torch.__version__.split(".")[:2])
HELPER_EXPORTER = "onnx.helper"

PRESERVE = torch.onnx.TrainingMode.PRESERVE  # keep BatchNormalization nodes
EVAL = torch.onnx.TrainingMode.EVAL  # torch's default: BatchNormalization folded into Conv

SPECS = collections.OrderedDict()


class Spec:
    def __init__(self, name, family, builder, opsets, notes, kind="torch", training=PRESERVE, external=False,
                 randomize=True, onnx_check=True):
        self.name, self.family, self.builder, self.opsets = name, family, builder, opsets
        self.notes, self.kind, self.training, self.external = notes, kind, training, external
        self.randomize = randomize
        self.onnx_check = onnx_check  # False: opset newer than this onnx package knows (checked with ORT instead)


def torch_model(name, family, opsets=(13, 17), notes="", training=PRESERVE, randomize=True):
    """Register a builder returning (module, example_args, input_names, output_names, dynamic_axes).
    randomize=False exports the module's own initialization (no norm/constant-parameter randomization)."""
    def deco(fn):
        SPECS[name] = Spec(name, family, fn, opsets, notes, "torch", training, randomize=randomize)
        return fn
    return deco


def helper_model(name, family, opset, notes="", external=False, onnx_check=True):
    """Register a builder returning an onnx.ModelProto built with onnx.helper; external=True saves tensors of
    1 KB or more to FILE.data next to the model."""
    def deco(fn):
        SPECS[name] = Spec(name, family, fn, (opset,), notes, "helper", external=external, onnx_check=onnx_check)
        return fn
    return deco


def seed(s):
    torch.manual_seed(s)
    np.random.seed(s)


def randomize_norms(model, s=1234):
    """Give every normalization layer per-channel statistics and affine parameters that differ."""
    g = torch.Generator().manual_seed(s)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
                c = m.num_features
                if m.affine:
                    m.weight.copy_(torch.rand(c, generator=g) * 1.3 + 0.2)
                    m.bias.copy_(torch.randn(c, generator=g) * 0.2)
                if m.track_running_stats:
                    m.running_mean.copy_(torch.randn(c, generator=g) * 0.2)
                    m.running_var.copy_(torch.rand(c, generator=g) * 1.5 + 0.5)
            elif isinstance(m, (nn.LayerNorm, nn.GroupNorm, nn.InstanceNorm2d)):
                if getattr(m, "weight", None) is not None:
                    m.weight.copy_(1.0 + 0.3 * torch.randn(m.weight.shape, generator=g))
                if getattr(m, "bias", None) is not None:
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
    return model


def randomize_constant_params(model, s=4321):
    """Add small noise to every parameter whose elements are all equal (zero-initialized biases, unit scales,
    class tokens): like trained weights, no two tensors are then identical, so torch's exporter does not merge
    them into one initializer shared through Identity nodes (the *_init test model keeps that case)."""
    g = torch.Generator().manual_seed(s)
    with torch.no_grad():
        for p in model.parameters():
            if p.numel() > 1 and bool((p == p.flatten()[0]).all()):
                p.add_(0.05 * torch.randn(p.shape, generator=g))
    return model


def image(model, shape=(1, 3, 32, 32), in_name="input", out_name="output"):
    x = torch.randn(*shape, generator=torch.Generator().manual_seed(7))
    return (model, (x,), [in_name], [out_name], {in_name: {0: "batch"}, out_name: {0: "batch"}})


# ==================================================================================================
# torchvision architectures at reduced widths
# ==================================================================================================
from torchvision.models import resnet as tv_resnet  # noqa: E402


class SlimResNet(tv_resnet.ResNet):
    """torchvision's ResNet (same forward: 7x7/2 stem, maxpool, layer1-4, avgpool, flatten, fc) with every
    width divided by `divisor`."""

    def __init__(self, block, layers, divisor, num_classes=10, **kw):
        self._divisor = divisor
        self._first = True
        super().__init__(block, layers, num_classes=num_classes, **kw)
        stem = 64 // divisor
        self.conv1 = nn.Conv2d(3, stem, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.fc = nn.Linear(512 // divisor * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1, dilate=False):
        if self._first:
            self.inplanes = 64 // self._divisor
            self._first = False
        return super()._make_layer(block, planes // self._divisor, blocks, stride, dilate)


@torch_model("resnet18_slim", "resnet", (9, 13, 17),
             "torchvision ResNet(BasicBlock, [2,2,2,2]) with widths /8 (8..64); residual Add, downsample 1x1")
def _():
    return image(SlimResNet(tv_resnet.BasicBlock, [2, 2, 2, 2], 8), (1, 3, 64, 64))


@torch_model("resnet18_slim_fused", "resnet", (13,),
             "resnet18_slim exported with torch's default TrainingMode.EVAL: BatchNorm folded into Conv "
             "(what most users' exports look like)", training=EVAL)
def _():
    return image(SlimResNet(tv_resnet.BasicBlock, [2, 2, 2, 2], 8), (1, 3, 64, 64))


@torch_model("resnet50_slim", "resnet", (13, 17),
             "torchvision ResNet(Bottleneck, [3,4,6,3]) with widths /16 (bottleneck 4..32, out 16..128)")
def _():
    return image(SlimResNet(tv_resnet.Bottleneck, [3, 4, 6, 3], 16), (1, 3, 64, 64))


@torch_model("resnext_slim", "resnext", (13,),
             "torchvision ResNet(Bottleneck, [1,2,2,1], groups=4, width_per_group=32) widths /8: grouped 3x3 conv")
def _():
    return image(SlimResNet(tv_resnet.Bottleneck, [1, 2, 2, 1], 8, groups=4, width_per_group=32), (1, 3, 64, 64))


@torch_model("wide_resnet_slim", "wide_resnet", (13,),
             "torchvision ResNet(Bottleneck, [1,1,1,1], width_per_group=128) widths /16 (wide bottleneck)")
def _():
    return image(SlimResNet(tv_resnet.Bottleneck, [1, 1, 1, 1], 16, width_per_group=128), (1, 3, 64, 64))


@torch_model("mobilenet_v2_w025", "mobilenet_v2", (11, 13),
             "torchvision mobilenet_v2(width_mult=0.25, num_classes=10): depthwise, ReLU6 as Clip, inverted residuals")
def _():
    return image(torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10), (1, 3, 64, 64))


@torch_model("mobilenet_v3_small_w025", "mobilenet_v3", (13, 17),
             "torchvision MobileNetV3 small config, width_mult=0.25: SE (AdaptiveAvgPool, Conv, ReLU, Conv, "
             "HardSigmoid, Mul), HardSwish, depthwise")
def _():
    from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf
    setting, last = _mobilenet_v3_conf("mobilenet_v3_small", width_mult=0.25)
    return image(MobileNetV3(setting, last, num_classes=10), (1, 3, 64, 64))


@torch_model("mobilenet_v3_large_w025", "mobilenet_v3", (13,),
             "torchvision MobileNetV3 large config, width_mult=0.25, last_channel 320")
def _():
    from torchvision.models.mobilenetv3 import MobileNetV3, _mobilenet_v3_conf
    setting, _last = _mobilenet_v3_conf("mobilenet_v3_large", width_mult=0.25)
    return image(MobileNetV3(setting, 320, num_classes=10), (1, 3, 64, 64))


@torch_model("mnasnet_a025", "mnasnet", (13,), "torchvision MNASNet(alpha=0.25, num_classes=10)")
def _():
    return image(torchvision.models.MNASNet(0.25, num_classes=10), (1, 3, 64, 64))


@torch_model("efficientnet_b0_w025", "efficientnet", (13,),
             "torchvision EfficientNet with efficientnet_b0 config, width_mult=0.25, depth_mult=0.5: "
             "MBConv, SiLU, SE gates (Sigmoid, Mul), stochastic depth (identity in eval)")
def _():
    from torchvision.models.efficientnet import EfficientNet, _efficientnet_conf
    setting, last = _efficientnet_conf("efficientnet_b0", width_mult=0.25, depth_mult=0.5)
    return image(EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=last), (1, 3, 64, 64))


@torch_model("efficientnet_v2_slim", "efficientnet", (13,),
             "torchvision EfficientNet with a small EfficientNetV2-style config: FusedMBConv then MBConv, "
             "last_channel 128")
def _():
    from torchvision.models.efficientnet import EfficientNet, FusedMBConvConfig, MBConvConfig
    setting = [
        FusedMBConvConfig(1, 3, 1, 8, 8, 1),
        FusedMBConvConfig(4, 3, 2, 8, 16, 2),
        MBConvConfig(4, 3, 2, 16, 24, 2),
        MBConvConfig(6, 3, 2, 24, 32, 2),
    ]
    return image(EfficientNet(setting, dropout=0.2, num_classes=10, last_channel=128), (1, 3, 64, 64))


@torch_model("shufflenet_v2_slim", "shufflenet_v2", (13, 17),
             "torchvision ShuffleNetV2([2,2,2], [8,16,32,64,128]): channel split (Split/Slice), channel shuffle "
             "(Reshape, Transpose, Reshape), Concat")
def _():
    return image(torchvision.models.ShuffleNetV2([2, 2, 2], [8, 16, 32, 64, 128], num_classes=10), (1, 3, 64, 64))


@torch_model("regnet_y_slim", "regnet", (13, 17),
             "torchvision RegNet, BlockParams.from_init_params(depth=6, w_0=8, w_a=8, w_m=2, group_width=8, "
             "se_ratio=0.25), stem 8: grouped conv + SE")
def _():
    from torchvision.models.regnet import BlockParams, RegNet
    bp = BlockParams.from_init_params(depth=6, w_0=8, w_a=8.0, w_m=2.0, group_width=8, se_ratio=0.25)
    return image(RegNet(bp, num_classes=10, stem_width=8), (1, 3, 64, 64))


@torch_model("regnet_x_slim", "regnet", (13,),
             "torchvision RegNet, BlockParams.from_init_params(depth=5, w_0=8, w_a=8, w_m=2, group_width=4), "
             "no SE")
def _():
    from torchvision.models.regnet import BlockParams, RegNet
    bp = BlockParams.from_init_params(depth=5, w_0=8, w_a=8.0, w_m=2.0, group_width=4)
    return image(RegNet(bp, num_classes=10, stem_width=8), (1, 3, 64, 64))


@torch_model("densenet_slim", "densenet", (13, 17),
             "torchvision DenseNet(growth_rate=8, block_config=(2,2,2), num_init_features=16, bn_size=2): "
             "dense Concat, BN before conv (BN on concatenated channels), transition AvgPool")
def _():
    return image(torchvision.models.DenseNet(growth_rate=8, block_config=(2, 2, 2), num_init_features=16,
                                             bn_size=2, num_classes=10), (1, 3, 64, 64))


@torch_model("convnext_slim", "convnext", (13, 17),
             "torchvision ConvNeXt([CNBlockConfig(16,32,1), (32,64,1), (64,None,1)]): depthwise 7x7, "
             "permute, LayerNorm over channels (decomposed at opset 13), Linear MLP as MatMul, layer scale Mul, "
             "LayerNorm2d downsampling")
def _():
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    cfg = [CNBlockConfig(16, 32, 1), CNBlockConfig(32, 64, 1), CNBlockConfig(64, None, 1)]
    m = ConvNeXt(cfg, num_classes=10)
    with torch.no_grad():  # layer scale starts at 1e-6: make it matter
        for blk in m.modules():
            if hasattr(blk, "layer_scale"):
                blk.layer_scale.copy_(0.5 + torch.rand(blk.layer_scale.shape))
    return image(m, (1, 3, 64, 64))


@torch_model("convnext_slim_init", "convnext", (13,),
             "convnext_slim with torchvision's own initialization exported as is (zero biases, unit LayerNorm, "
             "layer scale 1e-6): torch merges identical initializers, so layers of the same width share one "
             "bias/scale tensor through Identity nodes; pruning one of them must not change the other",
             randomize=False)
def _():
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt
    cfg = [CNBlockConfig(16, 32, 1), CNBlockConfig(32, 64, 1), CNBlockConfig(64, None, 1)]
    return image(ConvNeXt(cfg, num_classes=10), (1, 3, 64, 64))


@torch_model("vit_slim", "vit", (13, 17),
             "torchvision VisionTransformer(image 32, patch 4, 2 layers, 4 heads, hidden 32, mlp 64): conv "
             "patchify, class token Concat, nn.MultiheadAttention (packed in_proj: one MatMul for q,k,v, "
             "then Slice), LayerNorm, GELU MLP")
def _():
    m = torchvision.models.VisionTransformer(image_size=32, patch_size=4, num_layers=2, num_heads=4,
                                             hidden_dim=32, mlp_dim=64, num_classes=10)
    return image(m, (1, 3, 32, 32))


def share_constants(model):
    """What onnx-simplifier and optimizers write: every Constant node becomes an initializer, and equal values
    become ONE initializer read by every node that used one of them (shape targets shared by all layers)."""
    g = model.graph
    by_value, rename, keep = {}, {}, []
    for n in g.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            a = numpy_helper.to_array(n.attribute[0].t)
            key = (a.dtype.str, a.shape, a.tobytes())
            if key not in by_value:
                by_value[key] = f"shared_const_{len(by_value)}"
                g.initializer.append(numpy_helper.from_array(a, by_value[key]))
            rename[n.output[0]] = by_value[key]
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    for n in g.node:
        for i, x in enumerate(n.input):
            if x in rename:
                n.input[i] = rename[x]
    return model


@helper_model("vit_shared_consts", "vit_shared_constants", 13,
              "torchvision VisionTransformer(image 32, patch 8, 3 layers, 4 heads, hidden 32, mlp 64) exported "
              "by torch 1.13 with a fixed batch of 1, then every Constant turned into an initializer and equal "
              "values merged (as onnx-simplifier writes): one Reshape target [17, 4, 8] is read by the q/k/v "
              "reshapes of all 3 layers; all layers' in_proj biases are equal, so the exporter stores ONE "
              "in_proj bias read by every layer. Heads must still form one group per layer")
def _():
    import tempfile
    seed(hash_seed("vit_shared_consts"))
    m = torchvision.models.VisionTransformer(image_size=32, patch_size=8, num_layers=3, num_heads=4,
                                             hidden_dim=32, mlp_dim=64, num_classes=10)
    randomize_norms(m, 51)
    randomize_constant_params(m, 52)
    with torch.no_grad():
        shared_bias = 0.1 * torch.randn(96, generator=torch.Generator().manual_seed(53))
        for layer in m.encoder.layers:
            layer.self_attention.in_proj_bias.copy_(shared_bias)
    m.eval()
    x = torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(7))
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "vit.onnx")
        torch.onnx.export(m, (x,), path, input_names=["input"], output_names=["output"], opset_version=13,
                          do_constant_folding=True)
        return share_constants(onnx.load(path))


@torch_model("swin_slim", "swin", (13, 17),
             "torchvision SwinTransformer(patch 4, embed 16, depths [2,2], heads [2,4], window 4): shifted "
             "windows (roll as Slice+Concat), relative position bias Gather, PatchMerging")
def _():
    m = torchvision.models.SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2], num_heads=[2, 4],
                                           window_size=[4, 4], num_classes=10)
    return image(m, (1, 3, 32, 32))


from torchvision.models import vgg as tv_vgg  # noqa: E402


@torch_model("vgg_slim", "vgg", (13, 17),
             "torchvision VGG(make_layers([8,M,16,M,32,32,M,64,64,M,64,64,M], batch_norm=True)) at 224x224, "
             "AdaptiveAvgPool 7x7, Flatten -> Gemm 3136->32->32->10")
def _():
    m = tv_vgg.VGG(tv_vgg.make_layers([8, "M", 16, "M", 32, 32, "M", 64, 64, "M", 64, 64, "M"], batch_norm=True),
                   num_classes=10)
    m.classifier = nn.Sequential(nn.Linear(64 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(), nn.Linear(32, 32),
                                 nn.ReLU(True), nn.Dropout(), nn.Linear(32, 10))
    return image(m, (1, 3, 224, 224))


@torch_model("vgg_nobn_slim", "vgg", (11,),
             "torchvision VGG without BatchNorm (conv bias), widths [8,M,16,M,32,M,32,M,32,M], 224x224, "
             "Flatten -> Gemm 1568->32->32->10")
def _():
    m = tv_vgg.VGG(tv_vgg.make_layers([8, "M", 16, "M", 32, "M", 32, "M", 32, "M"], batch_norm=False),
                   num_classes=10)
    m.classifier = nn.Sequential(nn.Linear(32 * 7 * 7, 32), nn.ReLU(True), nn.Dropout(), nn.Linear(32, 32),
                                 nn.ReLU(True), nn.Dropout(), nn.Linear(32, 10))
    return image(m, (1, 3, 224, 224))


@torch_model("alexnet_slim", "alexnet", (13, 17),
             "torchvision AlexNet forward with widths /8 (8,24,48,32,32), 224x224, AdaptiveAvgPool 6x6, "
             "Flatten -> Gemm 1152->64->64->10")
def _():
    m = torchvision.models.AlexNet(num_classes=10)
    m.features = nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(8, 24, kernel_size=5, padding=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(24, 48, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(48, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(32, 32, kernel_size=3, padding=1), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2))
    m.classifier = nn.Sequential(nn.Dropout(), nn.Linear(32 * 6 * 6, 64), nn.ReLU(inplace=True), nn.Dropout(),
                                 nn.Linear(64, 64), nn.ReLU(inplace=True), nn.Linear(64, 10))
    return image(m, (1, 3, 224, 224))


@torch_model("squeezenet_slim", "squeezenet", (8, 11, 13, 17),
             "torchvision SqueezeNet forward with torchvision Fire modules at widths /8: squeeze 1x1 then "
             "expand 1x1 | expand 3x3 Concat; classifier Conv1x1 -> ReLU -> AdaptiveAvgPool -> Flatten. At opset 8 "
             "torch writes IR version 3, where every initializer is also listed as a graph input")
def _():
    from torchvision.models.squeezenet import Fire, SqueezeNet
    m = SqueezeNet("1_1", num_classes=10)
    m.features = nn.Sequential(
        nn.Conv2d(3, 8, kernel_size=3, stride=2), nn.ReLU(inplace=True),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(8, 2, 8, 8), Fire(16, 2, 8, 8),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(16, 4, 16, 16), Fire(32, 4, 16, 16),
        nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
        Fire(32, 6, 24, 24), Fire(48, 8, 32, 32))
    m.classifier = nn.Sequential(nn.Dropout(p=0.5), nn.Conv2d(64, 10, kernel_size=1), nn.ReLU(inplace=True),
                                 nn.AdaptiveAvgPool2d((1, 1)))
    return image(m, (1, 3, 64, 64))


class SlimGoogLeNet(nn.Module):
    """GoogLeNet-style network from torchvision's Inception modules (4 branches Concat) at small widths."""

    def __init__(self):
        super().__init__()
        from torchvision.models.googlenet import BasicConv2d, Inception
        self.conv1 = BasicConv2d(3, 16, kernel_size=7, stride=2, padding=3)
        self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.conv2 = BasicConv2d(16, 16, kernel_size=1)
        self.conv3 = BasicConv2d(16, 32, kernel_size=3, padding=1)
        self.inception3a = Inception(32, 8, 8, 16, 4, 8, 8)  # -> 40
        self.inception3b = Inception(40, 16, 16, 24, 4, 12, 8)  # -> 60
        self.maxpool3 = nn.MaxPool2d(3, stride=2, ceil_mode=True)
        self.inception4a = Inception(60, 24, 12, 26, 4, 8, 8)  # -> 66
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.dropout = nn.Dropout(0.2)
        self.fc = nn.Linear(66, 10)

    def forward(self, x):
        x = self.conv3(self.conv2(self.maxpool1(self.conv1(x))))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        return self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))


@torch_model("googlenet_slim", "googlenet", (13, 17),
             "torchvision GoogLeNet Inception modules (1x1 | 1x1->3x3 | 1x1->3x3 | maxpool->1x1, Concat) at small "
             "widths, BasicConv2d (Conv no bias + BN eps 0.001 + ReLU)")
def _():
    return image(SlimGoogLeNet(), (1, 3, 64, 64))


class SlimInceptionV3(nn.Module):
    """Inception v3-style network from torchvision's InceptionA/C/E blocks (factorized 1x7/7x1 convs,
    avg-pool branch, nested Concat in InceptionE)."""

    def __init__(self):
        super().__init__()
        from torchvision.models.inception import BasicConv2d, InceptionA, InceptionC
        self.stem = nn.Sequential(BasicConv2d(3, 16, kernel_size=3, stride=2), BasicConv2d(16, 24, kernel_size=3))
        self.mixed_a = InceptionA(24, pool_features=8)  # 64 + 64 + 96 + 8 = 232
        self.reduce = BasicConv2d(232, 48, kernel_size=1)
        self.mixed_c = InceptionC(48, channels_7x7=8)  # 4 x 192 = 768
        self.reduce2 = BasicConv2d(768, 32, kernel_size=1)
        self.mixed_e = SmallInceptionE(32)  # 16 + 2*16 + 2*16 + 16 = 96
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(96, 10)

    def forward(self, x):
        x = self.mixed_c(self.reduce(self.mixed_a(self.stem(x))))
        x = self.mixed_e(self.reduce2(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SmallInceptionE(nn.Module):
    """torchvision InceptionE's topology (1x3 | 3x1 split branches concatenated) at small widths."""

    def __init__(self, cin):
        super().__init__()
        from torchvision.models.inception import BasicConv2d
        self.branch1x1 = BasicConv2d(cin, 16, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(cin, 16, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(16, 16, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(16, 16, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(cin, 16, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(16, 16, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(16, 16, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(16, 16, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(cin, 16, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        bp = self.branch_pool(F.avg_pool2d(x, kernel_size=3, stride=1, padding=1))
        return torch.cat([b1, b3, bd, bp], 1)


@torch_model("inception_v3_slim", "inception_v3", (13,),
             "torchvision InceptionA(24, pool 8) and InceptionC(48, c7=8) blocks + an InceptionE-style block: "
             "factorized 1x7/7x1 and 1x3/3x1 convs, AveragePool branch, nested Concat")
def _():
    return image(SlimInceptionV3(), (1, 3, 64, 64))


# ==================================================================================================
# hand-written torch modules
# ==================================================================================================
class BertSelfAttention(nn.Module):
    def __init__(self, hidden, heads):
        super().__init__()
        self.num_attention_heads = heads
        self.attention_head_size = hidden // heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.dense = nn.Linear(hidden, hidden)

    def transpose_for_scores(self, x):
        new_shape = x.size()[:-1] + (self.num_attention_heads, self.attention_head_size)
        return x.view(new_shape).permute(0, 2, 1, 3)

    def forward(self, x, mask_bias):
        q = self.transpose_for_scores(self.query(x))
        k = self.transpose_for_scores(self.key(x))
        v = self.transpose_for_scores(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(self.attention_head_size)
        scores = scores + mask_bias
        probs = F.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v).permute(0, 2, 1, 3).contiguous()
        ctx = ctx.view(ctx.size()[:-2] + (self.num_attention_heads * self.attention_head_size,))
        return self.dense(ctx)


class BertLayer(nn.Module):
    def __init__(self, hidden, heads, ffn):
        super().__init__()
        self.attention = BertSelfAttention(hidden, heads)
        self.attention_ln = nn.LayerNorm(hidden, eps=1e-12)
        self.intermediate = nn.Linear(hidden, ffn)
        self.output = nn.Linear(ffn, hidden)
        self.output_ln = nn.LayerNorm(hidden, eps=1e-12)

    def forward(self, x, mask_bias):
        x = self.attention_ln(x + self.attention(x, mask_bias))
        return self.output_ln(x + self.output(F.gelu(self.intermediate(x))))


class BertEncoder(nn.Module):
    """BERT-style encoder: word + position + token-type embeddings, attention mask turned into an additive
    bias ((1 - mask) * -10000), post-LN layers, tanh pooler on token 0, classifier."""

    def __init__(self, vocab=128, hidden=48, heads=4, ffn=96, layers=2, max_len=32, classes=3):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden)
        self.position_embeddings = nn.Embedding(max_len, hidden)
        self.token_type_embeddings = nn.Embedding(2, hidden)
        self.register_buffer("position_ids", torch.arange(max_len).unsqueeze(0))
        self.embeddings_ln = nn.LayerNorm(hidden, eps=1e-12)
        self.layers = nn.ModuleList([BertLayer(hidden, heads, ffn) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, classes)

    def forward(self, input_ids, attention_mask, token_type_ids):
        s = input_ids.size(1)
        pos = self.position_ids[:, :s]
        x = self.word_embeddings(input_ids) + self.position_embeddings(pos) + \
            self.token_type_embeddings(token_type_ids)
        x = self.embeddings_ln(x)
        mask_bias = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        for layer in self.layers:
            x = layer(x, mask_bias)
        return x, self.classifier(torch.tanh(self.pooler(x[:, 0])))


@torch_model("bert_tiny", "bert", (13, 17),
             "hand-written BERT encoder (HF-style): 3 inputs (input_ids, attention_mask, token_type_ids) "
             "[batch, seq] int64 dynamic, hidden 48, 4 heads x 12, FFN 96, 2 layers; Q/K/V Linear, "
             "view(size()[:-1] + (H, D)) via Shape/Gather/Concat/Reshape, permute, additive mask; outputs "
             "last_hidden_state and logits. Opset 13: LayerNorm decomposed; opset 17: LayerNormalization")
def _():
    m = BertEncoder()
    g = torch.Generator().manual_seed(5)
    ids = torch.randint(0, 128, (2, 16), generator=g)
    mask = torch.ones(2, 16, dtype=torch.long)
    mask[1, 12:] = 0
    tt = torch.zeros(2, 16, dtype=torch.long)
    tt[:, 8:] = 1
    dyn = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "token_type_ids")}
    dyn["last_hidden_state"] = {0: "batch", 1: "sequence"}
    dyn["logits"] = {0: "batch"}
    return (m, (ids, mask, tt), ["input_ids", "attention_mask", "token_type_ids"], ["last_hidden_state", "logits"],
            dyn)


class PreLNEncoder(nn.Module):
    """GPT/ViT-style pre-LN encoder on float features with a fused QKV projection split by chunk."""

    def __init__(self, dim=32, heads=4, layers=2):
        super().__init__()
        self.heads = heads
        self.blocks = nn.ModuleList()
        for _ in range(layers):
            self.blocks.append(nn.ModuleDict(dict(ln1=nn.LayerNorm(dim), qkv=nn.Linear(dim, 3 * dim),
                                                  proj=nn.Linear(dim, dim), ln2=nn.LayerNorm(dim),
                                                  fc1=nn.Linear(dim, 4 * dim), fc2=nn.Linear(4 * dim, dim))))
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, 5)

    def forward(self, x):
        b, s, d = x.shape
        h = self.heads
        for blk in self.blocks:
            y = blk["ln1"](x)
            q, k, v = blk["qkv"](y).chunk(3, dim=-1)
            q = q.reshape(b, s, h, d // h).transpose(1, 2)
            k = k.reshape(b, s, h, d // h).transpose(1, 2)
            v = v.reshape(b, s, h, d // h).transpose(1, 2)
            a = torch.softmax(q @ k.transpose(-2, -1) * (d // h) ** -0.5, dim=-1) @ v
            x = x + blk["proj"](a.transpose(1, 2).reshape(b, s, d))
            x = x + blk["fc2"](F.gelu(blk["fc1"](blk["ln2"](x))))
        return self.head(self.ln_f(x).mean(dim=1))


@torch_model("preln_fused_qkv", "transformer", (13, 17),
             "hand-written pre-LN transformer on float input [batch, seq, 32]: fused QKV Linear then chunk(3) "
             "(Split), reshape into 4 heads, mean pooling, 5-class head")
def _():
    x = torch.randn(2, 10, 32, generator=torch.Generator().manual_seed(3))
    return (PreLNEncoder(), (x,), ["features"], ["logits"], {"features": {0: "batch", 1: "seq"},
                                                               "logits": {0: "batch"}})


class UNetSmall(nn.Module):
    """UNet: encoder with MaxPool, decoder with ConvTranspose (level 2) and bilinear Upsample (level 1),
    Concat skip connections, 1x1 segmentation head."""

    def __init__(self, c=8, classes=3):
        super().__init__()

        def block(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True),
                                 nn.Conv2d(o, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))
        self.enc1, self.enc2, self.enc3 = block(3, c), block(c, 2 * c), block(2 * c, 4 * c)
        self.bottleneck = block(4 * c, 8 * c)
        self.up3 = nn.ConvTranspose2d(8 * c, 4 * c, 2, stride=2)
        self.dec3 = block(8 * c, 4 * c)
        self.up2 = nn.ConvTranspose2d(4 * c, 2 * c, 2, stride=2)
        self.dec2 = block(4 * c, 2 * c)
        self.up1 = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                 nn.Conv2d(2 * c, c, 1))
        self.dec1 = block(2 * c, c)
        self.head = nn.Conv2d(c, classes, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        e3 = self.enc3(F.max_pool2d(e2, 2))
        b = self.bottleneck(F.max_pool2d(e3, 2))
        d3 = self.dec3(torch.cat([self.up3(b), e3], 1))
        d2 = self.dec2(torch.cat([self.up2(d3), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return self.head(d1)


@torch_model("unet_small", "unet", (9, 13),
             "hand-written UNet (widths 8..64): MaxPool encoder, ConvTranspose 2x2/2 and bilinear Upsample "
             "(Upsample op at opset 9, Resize from 11), Concat skips, 1x1 head; output [batch, 3, 32, 32]. At opset 9 "
             "Upsample's linear mode has no half-pixel option, so ORT's output differs from torch's by ~4e-4 (a "
             "property of the export, not an error)")
def _():
    return image(UNetSmall(), (1, 3, 32, 32))


class SplitSliceNet(nn.Module):
    """Channel-axis torch.split with unequal sizes, chunk, and slicing x[:, a:b]; the pieces are recombined
    by Concat, Add and Mul."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, padding=1, bias=False), nn.BatchNorm2d(24), nn.ReLU())
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(16, 16, 3, padding=1)
        self.mid = nn.Sequential(nn.Conv2d(24, 32, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.c = nn.Conv2d(16, 16, 3, padding=1)
        self.tail = nn.Conv2d(16 + 8, 16, 1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x1, x2 = torch.split(x, [8, 16], dim=1)  # Split with unequal sizes
        x = torch.cat([self.a(x1), self.b(x2)], dim=1)
        x = self.mid(x)
        h1, h2 = x.chunk(2, dim=1)  # Split into equal halves
        y = self.c(h1) * torch.sigmoid(h2)  # GLU-like gate: the halves are coupled
        z = x[:, 8:16] + x[:, 24:32]  # Slice on the channel axis
        y = self.tail(torch.cat([y, z], dim=1))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


@torch_model("split_slice", "split", (11, 13, 17),
             "hand-written: torch.split([8,16]) and chunk(2) on the channel axis (Split; its sizes become an "
             "input at opset 13), x[:, 8:16] + x[:, 24:32] (Slice), GLU-style gate, Concat")
def _():
    return image(SplitSliceNet(), (1, 3, 32, 32))


class SENet(nn.Module):
    """Residual blocks with a squeeze-excitation gate: GlobalAveragePool -> 1x1 Conv -> ReLU -> 1x1 Conv
    -> Sigmoid -> Mul with the block's features; a second gate uses Linear layers over a flattened vector
    and Reshape back to [B, C, 1, 1]."""

    def __init__(self, c=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.conv1 = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.se1 = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(c, c // 4, 1), nn.ReLU(), nn.Conv2d(c // 4, c, 1),
                                 nn.Sigmoid())
        self.conv2 = nn.Sequential(nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU())
        self.fc1 = nn.Linear(c, c // 4)
        self.fc2 = nn.Linear(c // 4, c)
        self.head = nn.Linear(c, 10)

    def forward(self, x):
        x = self.stem(x)
        y = self.conv1(x)
        x = x + y * self.se1(y)
        y = self.conv2(x)
        b, c = y.shape[0], y.shape[1]
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(y.mean(dim=(2, 3))))))
        x = x + y * s.view(b, c, 1, 1)
        return self.head(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@torch_model("se_gate", "squeeze_excitation", (13, 17),
             "hand-written residual SE blocks: Conv-SE (GlobalAveragePool, Conv, ReLU, Conv, Sigmoid, Mul) and "
             "Linear-SE (ReduceMean, Gemm, ReLU, Gemm, Sigmoid, Reshape to [B,C,1,1], Mul), residual Add")
def _():
    return image(SENet(), (1, 3, 32, 32))


class PReluNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.act1 = nn.PReLU(16)  # per-channel slope
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.act2 = nn.PReLU()  # one shared slope
        self.conv3 = nn.Conv2d(32, 32, 3, padding=1)
        self.act3 = nn.PReLU(32)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = self.act1(self.bn1(self.conv1(x)))
        x = self.act2(self.conv2(x))
        x = self.act3(self.conv3(x)) + x
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


@torch_model("prelu", "prelu", (13, 17),
             "hand-written: PRelu with per-channel slopes (initializer [C,1,1]) and with one shared slope, "
             "residual Add")
def _():
    m = PReluNet()
    with torch.no_grad():
        m.act1.weight.copy_(torch.rand(16) * 0.5)
        m.act3.weight.copy_(torch.rand(32) * 0.5)
    return image(m, (1, 3, 32, 32))


class LSTMNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 24)
        self.lstm = nn.LSTM(24, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(64, 4)

    def forward(self, x):
        y, _ = self.lstm(torch.relu(self.proj(x)))
        return self.head(y[:, -1])


@torch_model("lstm", "lstm", (13, 17),
             "hand-written: Linear 16->24, 2-layer bidirectional LSTM (hidden 32, batch_first), last step, "
             "Linear head; input [batch, seq, 16]")
def _():
    x = torch.randn(2, 7, 16, generator=torch.Generator().manual_seed(3))
    return (LSTMNet(), (x,), ["sequence"], ["logits"], {"sequence": {0: "batch", 1: "seq"}, "logits": {0: "batch"}})


class GRUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(8, 16, 3, padding=1)
        self.gru = nn.GRU(16, 24, batch_first=True)
        self.head = nn.Linear(24, 3)

    def forward(self, x):  # x [B, 8, T]
        y = torch.relu(self.conv(x)).transpose(1, 2)
        y, h = self.gru(y)
        return self.head(h[-1])


@torch_model("gru", "gru", (13, 17),
             "hand-written: Conv1d 8->16 over time, Transpose, 1-layer GRU (hidden 24), final hidden state, "
             "Linear head; input [batch, 8, time]")
def _():
    x = torch.randn(2, 8, 12, generator=torch.Generator().manual_seed(3))
    return (GRUNet(), (x,), ["signal"], ["logits"], {"signal": {0: "batch", 2: "time"}, "logits": {0: "batch"}})


class RecurrentMixNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(12, 20)
        self.gru = nn.GRU(20, 16, batch_first=True, bidirectional=True)
        self.lstm = nn.LSTM(32, 24)
        self.rnn = nn.RNN(24, 12, nonlinearity="tanh", bidirectional=True)
        self.head = nn.Linear(24 + 24, 5)

    def forward(self, x):  # x [B, T, 12]
        y, _ = self.gru(torch.tanh(self.proj(x)))      # [B, T, 32]
        y, (h, c) = self.lstm(y.transpose(0, 1))         # [T, B, 24], h [1, B, 24]
        z, _ = self.rnn(y)                               # [T, B, 24]
        return self.head(torch.cat([z[-1], h[0]], dim=1))


@torch_model("recurrent_mix", "recurrent", (13,),
             "hand-written: Linear 12->20, bidirectional GRU (hidden 16, batch_first), unidirectional LSTM "
             "(hidden 24, time first), bidirectional tanh RNN (hidden 12), last step of the RNN concatenated with "
             "the LSTM's final hidden state, Linear head; input [batch, seq, 12]")
def _():
    x = torch.randn(2, 6, 12, generator=torch.Generator().manual_seed(3))
    return (RecurrentMixNet(), (x,), ["sequence"], ["logits"], {"sequence": {0: "batch", 1: "seq"}, "logits": {0: "batch"}})


class SplitGroupedNet(nn.Module):
    """torch.split into uneven parts [16, 32, 48], each treated differently, concatenated, then a grouped conv
    (groups=2, 48 channels per group): the part boundaries agree with the group boundary (16 + 32 = 48)."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 96, 3, padding=1)
        self.a = nn.Conv2d(16, 16, 1)
        self.b = nn.Conv2d(32, 32, 3, padding=1, groups=32)
        self.grouped = nn.Conv2d(96, 64, 3, padding=1, groups=2)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        a, b, c = torch.split(torch.relu(self.stem(x)), [16, 32, 48], dim=1)
        y = torch.cat([self.a(a), self.b(b), torch.relu(c)], dim=1)
        y = torch.relu(self.grouped(y))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(y, 1), 1))


@torch_model("split_grouped", "split_grouped", (13,),
             "hand-written: Conv 3->96, torch.split [16, 32, 48], 1x1 conv / depthwise conv / ReLU on the parts, "
             "Concat, grouped Conv (groups=2) 96->64, GAP, Linear")
def _():
    return image(SplitGroupedNet(), (1, 3, 16, 16))


class IfNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 16, 3, padding=1)
        self.bright = nn.Conv2d(16, 16, 3, padding=1)
        self.dark = nn.Conv2d(16, 16, 1)
        self.head = nn.Conv2d(16, 4, 1)

    def forward(self, x):
        y = torch.relu(self.stem(x))
        if bool(y.mean() > 0.25):
            y = self.bright(y)
        else:
            y = self.dark(y) * 2.0
        return self.head(torch.relu(y))


@torch_model("if_branch", "control_flow", (13, 17),
             "torch.jit.script module with data-dependent control flow: an If node whose then/else subgraphs "
             "hold Conv layers reading outer-scope initializers")
def _():
    m = torch.jit.script(IfNet().eval())
    return image(m, (1, 3, 16, 16))


class GroupedChannelsNet(nn.Module):
    """Grouped (non-depthwise) conv, depthwise with channel multiplier 2, dilation, InstanceNorm, GroupNorm."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(3, 24, 3, padding=1)
        self.gn = nn.GroupNorm(4, 24)
        self.c2 = nn.Conv2d(24, 24, 3, padding=2, dilation=2, groups=3)
        self.inorm = nn.InstanceNorm2d(24, affine=True)
        self.dw = nn.Conv2d(24, 48, 3, padding=1, groups=24)  # depthwise, multiplier 2
        self.pw = nn.Conv2d(48, 32, 1)
        self.fc = nn.Linear(32, 10)

    def forward(self, x):
        x = F.silu(self.gn(self.c1(x)))
        x = F.relu(self.inorm(self.c2(x))) + x
        x = F.hardswish(self.pw(F.relu6(self.dw(x))))
        return self.fc(torch.flatten(F.adaptive_max_pool2d(x, 1), 1))


@torch_model("grouped_norms", "grouped_conv", (13, 17),
             "hand-written: Conv group=3 with dilation 2, depthwise with multiplier 2 (group=24, 24->48), "
             "GroupNorm (Reshape+InstanceNormalization+Reshape+Mul+Add), InstanceNorm, SiLU, HardSwish, "
             "GlobalMaxPool")
def _():
    return image(GroupedChannelsNet(), (1, 3, 32, 32))


# ==================================================================================================
# hand-built graphs (onnx.helper)
# ==================================================================================================
def rng(s):
    return np.random.default_rng(s)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def finish(graph, opset, producer="lopper-test-helper", ir_version=None):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name=producer)
    if ir_version is not None:
        model.ir_version = ir_version
    return model


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


@helper_model("quantized_qlinearconv", "quantized", 13,
              "hand-built QDQ/QLinear model: QuantizeLinear -> QLinearConv (uint8 activations, int8 per-channel "
              "weights, int32 bias) -> DequantizeLinear -> Relu -> QuantizeLinear -> QLinearConv -> "
              "DequantizeLinear; and a DequantizeLinear'd int8 weight feeding a float Conv")
def _():
    r = rng(11)
    w1 = r.integers(-127, 128, (8, 3, 3, 3)).astype(np.int8)
    w2 = r.integers(-127, 128, (8, 8, 1, 1)).astype(np.int8)
    w3 = r.integers(-127, 128, (4, 8, 3, 3)).astype(np.int8)
    inits = [
        init("x_scale", f32(0.02)), init("x_zp", np.uint8(128)),
        init("w1", w1), init("w1_scale", f32(r.uniform(0.001, 0.01, 8))), init("w1_zp", np.zeros(8, np.int8)),
        init("b1", r.integers(-500, 500, 8).astype(np.int32)),
        init("y1_scale", f32(0.05)), init("y1_zp", np.uint8(128)),
        init("a1_scale", f32(0.03)), init("a1_zp", np.uint8(0)),
        init("w2", w2), init("w2_scale", f32(r.uniform(0.001, 0.01, 8))), init("w2_zp", np.zeros(8, np.int8)),
        init("y2_scale", f32(0.05)), init("y2_zp", np.uint8(128)),
        init("w3_q", w3), init("w3_scale", f32(r.uniform(0.001, 0.01, 4))), init("w3_zp", np.zeros(4, np.int8)),
        init("b3", f32(r.normal(0, 0.1, 4))),
    ]
    nodes = [
        helper.make_node("QuantizeLinear", ["input", "x_scale", "x_zp"], ["x_q"], name="quant_input"),
        helper.make_node("QLinearConv", ["x_q", "x_scale", "x_zp", "w1", "w1_scale", "w1_zp", "y1_scale", "y1_zp",
                                         "b1"], ["y1_q"], name="qconv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
        helper.make_node("DequantizeLinear", ["y1_q", "y1_scale", "y1_zp"], ["y1"], name="dequant1"),
        helper.make_node("Relu", ["y1"], ["a1"], name="relu1"),
        helper.make_node("QuantizeLinear", ["a1", "a1_scale", "a1_zp"], ["a1_q"], name="quant1"),
        helper.make_node("QLinearConv", ["a1_q", "a1_scale", "a1_zp", "w2", "w2_scale", "w2_zp", "y2_scale",
                                         "y2_zp"], ["y2_q"], name="qconv2"),
        helper.make_node("DequantizeLinear", ["y2_q", "y2_scale", "y2_zp"], ["y2"], name="dequant2"),
        helper.make_node("DequantizeLinear", ["w3_q", "w3_scale", "w3_zp"], ["w3"], name="dequant_w3", axis=0),
        helper.make_node("Conv", ["y2", "w3", "b3"], ["output"], name="conv3", pads=[1, 1, 1, 1]),
    ]
    g = helper.make_graph(nodes, "quantized", [vi("input", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("output", TensorProto.FLOAT, ["batch", 4, 16, 16])], inits)
    return finish(g, 13)


@helper_model("matmul_integer", "quantized", 13,
              "hand-built dynamic-quantized MLP (what onnxruntime's quantize_dynamic emits): "
              "DynamicQuantizeLinear -> MatMulInteger (uint8 x int8 weight) -> Cast -> Mul by scales -> Add bias")
def _():
    r = rng(12)
    w1 = r.integers(-127, 128, (32, 64)).astype(np.int8)
    w2 = r.integers(-127, 128, (64, 10)).astype(np.int8)
    inits = [init("w1_q", w1), init("w1_zp", np.int8(0)), init("w1_scale", f32(0.004)),
             init("b1", f32(r.normal(0, 0.1, 64))),
             init("w2_q", w2), init("w2_zp", np.int8(0)), init("w2_scale", f32(0.004)),
             init("b2", f32(r.normal(0, 0.1, 10)))]
    nodes = []
    x = "input"
    for i, (wq, wzp, ws, b, act) in enumerate([("w1_q", "w1_zp", "w1_scale", "b1", True),
                                                ("w2_q", "w2_zp", "w2_scale", "b2", False)], 1):
        nodes += [
            helper.make_node("DynamicQuantizeLinear", [x], [f"x{i}_q", f"x{i}_scale", f"x{i}_zp"], name=f"dq{i}"),
            helper.make_node("MatMulInteger", [f"x{i}_q", wq, f"x{i}_zp", wzp], [f"mm{i}_i32"], name=f"mmi{i}"),
            helper.make_node("Cast", [f"mm{i}_i32"], [f"mm{i}_f"], name=f"cast{i}", to=TensorProto.FLOAT),
            helper.make_node("Mul", [f"x{i}_scale", ws], [f"s{i}"], name=f"scale_mul{i}"),
            helper.make_node("Mul", [f"mm{i}_f", f"s{i}"], [f"mm{i}"], name=f"rescale{i}"),
            helper.make_node("Add", [f"mm{i}", b], [f"h{i}" if act else "output"], name=f"bias{i}"),
        ]
        if act:
            nodes.append(helper.make_node("Relu", [f"h{i}"], [f"a{i}"], name=f"relu{i}"))
            x = f"a{i}"
    g = helper.make_graph(nodes, "matmul_integer", [vi("input", TensorProto.FLOAT, ["batch", 32])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


@helper_model("constant_weights", "constant_nodes", 13,
              "hand-built: Conv weights and bias from Constant nodes (no initializers for them), a Conv weight "
              "read through Identity (initializer -> Identity -> Conv), a BatchNormalization whose scale comes "
              "through Identity, a Reshape whose shape is a Constant node, Gemm with transB=1")
def _():
    r = rng(13)
    w1 = f32(r.normal(0, 0.3, (16, 3, 3, 3)))
    b1 = f32(r.normal(0, 0.1, 16))
    w2 = f32(r.normal(0, 0.2, (16, 16, 3, 3)))
    nodes = [
        helper.make_node("Constant", [], ["w1"], name="const_w1", value=numpy_helper.from_array(w1, "w1")),
        helper.make_node("Constant", [], ["b1"], name="const_b1", value=numpy_helper.from_array(b1, "b1")),
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Identity", ["w2_init"], ["w2"], name="identity_w2"),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Identity", ["bn_scale_init"], ["bn_scale"], name="identity_bn_scale"),
        helper.make_node("BatchNormalization", ["c2", "bn_scale", "bn_bias", "bn_mean", "bn_var"], ["b2"],
                         name="bn2", epsilon=1e-5),
        helper.make_node("Relu", ["b2"], ["r2"], name="relu2"),
        helper.make_node("MaxPool", ["r2"], ["p2"], name="pool2", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Constant", [], ["flat_shape"], name="const_shape",
                         value=numpy_helper.from_array(np.array([-1, 16 * 8 * 8], np.int64), "flat_shape")),
        helper.make_node("Reshape", ["p2", "flat_shape"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["output"], name="fc", transB=1),
    ]
    inits = [init("w2_init", w2), init("bn_scale_init", f32(r.uniform(0.2, 1.5, 16))),
             init("bn_bias", f32(r.normal(0, 0.2, 16))), init("bn_mean", f32(r.normal(0, 0.2, 16))),
             init("bn_var", f32(r.uniform(0.5, 2.0, 16))),
             init("fc_w", f32(r.normal(0, 0.05, (10, 16 * 8 * 8)))), init("fc_b", f32(r.normal(0, 0.1, 10)))]
    g = helper.make_graph(nodes, "constant_weights", [vi("input", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


@helper_model("gather_channels", "gather", 13,
              "hand-built: Gather on the channel axis (axis=1) with a constant index list selecting and reordering "
              "8 of 16 channels, and a Gather with a scalar index (rank-reducing) before a Gemm")
def _():
    r = rng(14)
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Gather", ["r1", "select"], ["g1"], name="gather_channels", axis=1),
        helper.make_node("Conv", ["g1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gp"], name="gap"),
        helper.make_node("Flatten", ["gp"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["output"], name="fc", transB=1),
        helper.make_node("Gather", ["r2", "row"], ["row_out"], name="gather_row", axis=2),
    ]
    inits = [init("w1", f32(r.normal(0, 0.3, (16, 3, 3, 3)))), init("b1", f32(r.normal(0, 0.1, 16))),
             init("select", np.array([15, 3, 7, 0, 12, 9, 4, 1], np.int64)),
             init("w2", f32(r.normal(0, 0.2, (12, 8, 3, 3)))), init("b2", f32(r.normal(0, 0.1, 12))),
             init("fc_w", f32(r.normal(0, 0.2, (10, 12)))), init("fc_b", f32(r.normal(0, 0.1, 10))),
             init("row", np.array(0, np.int64))]
    g = helper.make_graph(nodes, "gather_channels", [vi("input", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10]),
                           vi("row_out", TensorProto.FLOAT, ["batch", 12, 16])], inits)
    return finish(g, 13)


@helper_model("einsum", "einsum", 13,
              "hand-built: Einsum 'bsd,df->bsf' with a constant weight (a Linear written as Einsum), Einsum "
              "'bhqd,bhkd->bhqk' between activations, and a per-channel Einsum 'bchw,c->bchw'")
def _():
    r = rng(15)
    nodes = [
        helper.make_node("Einsum", ["input", "w_in"], ["h"], name="einsum_linear", equation="bsd,df->bsf"),
        helper.make_node("Add", ["h", "b_in"], ["hb"], name="bias"),
        helper.make_node("Relu", ["hb"], ["a"], name="relu"),
        helper.make_node("Reshape", ["a", "heads_shape"], ["ah"], name="split_heads"),
        helper.make_node("Transpose", ["ah"], ["q"], name="to_heads", perm=[0, 2, 1, 3]),
        helper.make_node("Einsum", ["q", "q"], ["scores"], name="einsum_scores", equation="bhqd,bhkd->bhqk"),
        helper.make_node("Softmax", ["scores"], ["probs"], name="softmax", axis=-1),
        helper.make_node("Einsum", ["probs", "q"], ["ctx"], name="einsum_context", equation="bhqk,bhkd->bhqd"),
        helper.make_node("Transpose", ["ctx"], ["ctx_t"], name="from_heads", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ctx_t", "merge_shape"], ["merged"], name="merge_heads"),
        helper.make_node("Einsum", ["merged", "w_out"], ["output"], name="einsum_out", equation="bsf,fo->bso"),
        helper.make_node("Conv", ["image", "cw", "cb"], ["c"], name="conv", pads=[1, 1, 1, 1]),
        helper.make_node("Einsum", ["c", "channel_scale"], ["image_out"], name="einsum_channel_scale",
                         equation="bchw,c->bchw"),
    ]
    inits = [init("w_in", f32(r.normal(0, 0.2, (16, 32)))), init("b_in", f32(r.normal(0, 0.1, 32))),
             init("heads_shape", np.array([0, 0, 4, 8], np.int64)), init("merge_shape", np.array([0, 0, 32], np.int64)),
             init("w_out", f32(r.normal(0, 0.2, (32, 6)))),
             init("cw", f32(r.normal(0, 0.3, (8, 3, 3, 3)))), init("cb", f32(r.normal(0, 0.1, 8))),
             init("channel_scale", f32(r.uniform(0.5, 1.5, 8)))]
    g = helper.make_graph(nodes, "einsum",
                          [vi("input", TensorProto.FLOAT, ["batch", 10, 16]),
                           vi("image", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10, 6]),
                           vi("image_out", TensorProto.FLOAT, ["batch", 8, 16, 16])], inits)
    return finish(g, 13)


@helper_model("keras_nhwc", "tf_keras_style", 13,
              "hand-built to mimic tf2onnx output for a Keras CNN: NHWC input [unk__0, 32, 32, 3], Transpose "
              "(0,3,1,2) before each Conv block and (0,2,3,1) after, BN folded into conv bias, ReLU6 as Clip "
              "with min/max inputs, depthwise Conv, residual Add in NHWC, ReduceMean over axes [1,2] "
              "(keepdims=0), MatMul + Add instead of Gemm, Softmax; tensor names like 'model/conv2d/Conv2D'")
def _():
    r = rng(16)
    C = 16
    inits = [
        init("model/conv2d/Conv2D/ReadVariableOp:0", f32(r.normal(0, 0.3, (C, 3, 3, 3)))),
        init("model/conv2d/BiasAdd/ReadVariableOp:0", f32(r.normal(0, 0.1, C))),
        init("model/depthwise/depthwise/ReadVariableOp:0", f32(r.normal(0, 0.3, (C, 1, 3, 3)))),
        init("model/depthwise/BiasAdd/ReadVariableOp:0", f32(r.normal(0, 0.1, C))),
        init("model/conv2d_1/Conv2D/ReadVariableOp:0", f32(r.normal(0, 0.2, (C, C, 1, 1)))),
        init("model/conv2d_1/BiasAdd/ReadVariableOp:0", f32(r.normal(0, 0.1, C))),
        init("model/add/y:0", f32(r.normal(0, 0.1, C))),  # NHWC per-channel bias on the last axis
        init("model/dense/MatMul/ReadVariableOp:0", f32(r.normal(0, 0.2, (C, 10)))),
        init("model/dense/BiasAdd/ReadVariableOp:0", f32(r.normal(0, 0.1, 10))),
        init("clip_min__6", f32(0.0)), init("clip_max__7", f32(6.0)),
        init("const_axes__12", np.array([1, 2], np.int64)),
    ]
    T = lambda i, o, perm, name: helper.make_node("Transpose", [i], [o], name=name, perm=perm)  # noqa: E731
    nodes = [
        T("input_1", "model/conv2d/Conv2D__5:0", [0, 3, 1, 2], "model/conv2d/Conv2D__5"),
        helper.make_node("Conv", ["model/conv2d/Conv2D__5:0", "model/conv2d/Conv2D/ReadVariableOp:0",
                                  "model/conv2d/BiasAdd/ReadVariableOp:0"], ["model/conv2d/BiasAdd:0"],
                         name="model/conv2d/BiasAdd", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[0, 0, 1, 1], dilations=[1, 1], group=1),
        helper.make_node("Clip", ["model/conv2d/BiasAdd:0", "clip_min__6", "clip_max__7"], ["model/re_lu/Relu6:0"],
                         name="model/re_lu/Relu6"),
        T("model/re_lu/Relu6:0", "model/re_lu/Relu6__8:0", [0, 2, 3, 1], "model/re_lu/Relu6__8"),
        # a per-channel bias added in NHWC layout (last axis)
        helper.make_node("Add", ["model/re_lu/Relu6__8:0", "model/add/y:0"], ["model/add/add:0"],
                         name="model/add/add"),
        T("model/add/add:0", "model/depthwise/depthwise__9:0", [0, 3, 1, 2], "model/depthwise/depthwise__9"),
        helper.make_node("Conv", ["model/depthwise/depthwise__9:0", "model/depthwise/depthwise/ReadVariableOp:0",
                                  "model/depthwise/BiasAdd/ReadVariableOp:0"], ["model/depthwise/BiasAdd:0"],
                         name="model/depthwise/BiasAdd", kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
                         dilations=[1, 1], group=C),
        helper.make_node("Relu", ["model/depthwise/BiasAdd:0"], ["model/depthwise/Relu:0"], name="model/depthwise/Relu"),
        helper.make_node("Conv", ["model/depthwise/Relu:0", "model/conv2d_1/Conv2D/ReadVariableOp:0",
                                  "model/conv2d_1/BiasAdd/ReadVariableOp:0"], ["model/conv2d_1/BiasAdd:0"],
                         name="model/conv2d_1/BiasAdd", kernel_shape=[1, 1], strides=[1, 1], pads=[0, 0, 0, 0],
                         dilations=[1, 1], group=1),
        T("model/conv2d_1/BiasAdd:0", "model/conv2d_1/BiasAdd__10:0", [0, 2, 3, 1], "model/conv2d_1/BiasAdd__10"),
        helper.make_node("Add", ["model/conv2d_1/BiasAdd__10:0", "model/add/add:0"], ["model/add_1/add:0"],
                         name="model/add_1/add"),
        helper.make_node("Relu", ["model/add_1/add:0"], ["model/re_lu_1/Relu:0"], name="model/re_lu_1/Relu"),
        helper.make_node("ReduceMean", ["model/re_lu_1/Relu:0"], ["model/global_average_pooling2d/Mean:0"],
                         name="model/global_average_pooling2d/Mean", axes=[1, 2], keepdims=0),
        helper.make_node("MatMul", ["model/global_average_pooling2d/Mean:0", "model/dense/MatMul/ReadVariableOp:0"],
                         ["model/dense/MatMul:0"], name="model/dense/MatMul"),
        helper.make_node("Add", ["model/dense/MatMul:0", "model/dense/BiasAdd/ReadVariableOp:0"],
                         ["model/dense/BiasAdd:0"], name="model/dense/BiasAdd"),
        helper.make_node("Softmax", ["model/dense/BiasAdd:0"], ["dense"], name="model/dense/Softmax", axis=-1),
    ]
    # opset 13 ReduceMean still takes axes as an attribute (input only from opset 18)
    inits = [i for i in inits if i.name != "const_axes__12"]
    g = helper.make_graph(nodes, "tf2onnx", [vi("input_1", TensorProto.FLOAT, ["unk__0", 32, 32, 3])],
                          [vi("dense", TensorProto.FLOAT, ["unk__0", 10])], inits)
    m = finish(g, 13, producer="tf2onnx")
    m.producer_version = "1.9.3 1190aa"
    m.opset_import.append(helper.make_opsetid("ai.onnx.ml", 2))
    return m


@helper_model("paddle_style", "paddle_style", 11,
              "hand-built to mimic paddle2onnx: names like 'conv2d_0.w_0' and 'p2o.Conv.0', dynamic batch "
              "'p2o.DynamicDimension.0', scalars and shapes as Constant nodes, Conv + BatchNormalization, "
              "residual Add, flatten written as Shape -> Slice -> Concat(Constant -1) -> Reshape, and a "
              "head Reshape from Shape -> Gather -> Unsqueeze -> Concat; MatMul + Add classifier; opset 11")
def _():
    r = rng(17)
    C = 16
    inits = []

    def conv_bn(i, x, cin, cout, k, out, stride=1):
        inits.extend([
            init(f"conv2d_{i}.w_0", f32(r.normal(0, 0.3, (cout, cin, k, k)))),
            init(f"batch_norm2d_{i}.w_0", f32(r.uniform(0.2, 1.5, cout))),
            init(f"batch_norm2d_{i}.b_0", f32(r.normal(0, 0.2, cout))),
            init(f"batch_norm2d_{i}.w_1", f32(r.normal(0, 0.2, cout))),
            init(f"batch_norm2d_{i}.w_2", f32(r.uniform(0.5, 2.0, cout))),
        ])
        return [
            helper.make_node("Conv", [x, f"conv2d_{i}.w_0"], [f"p2o.Conv.{i}"], name=f"p2o.Conv.{i}",
                             kernel_shape=[k, k], strides=[stride, stride], pads=[k // 2] * 4, dilations=[1, 1],
                             group=1),
            helper.make_node("BatchNormalization", [f"p2o.Conv.{i}", f"batch_norm2d_{i}.w_0", f"batch_norm2d_{i}.b_0",
                                                    f"batch_norm2d_{i}.w_1", f"batch_norm2d_{i}.w_2"],
                             [out], name=f"p2o.BatchNormalization.{i}", epsilon=1e-5, momentum=0.9),
        ]

    def const(name, arr):
        return helper.make_node("Constant", [], [name], name=name, value=numpy_helper.from_array(np.asarray(arr),
                                                                                                  name))
    nodes = []
    nodes += conv_bn(0, "x", 3, C, 3, "p2o.BatchNormalization.0_out", stride=2)
    nodes.append(helper.make_node("Relu", ["p2o.BatchNormalization.0_out"], ["relu_0.tmp_0"], name="p2o.Relu.0"))
    nodes += conv_bn(1, "relu_0.tmp_0", C, C, 3, "batch_norm2d_1.tmp_2")
    nodes.append(helper.make_node("Relu", ["batch_norm2d_1.tmp_2"], ["relu_1.tmp_0"], name="p2o.Relu.1"))
    nodes += conv_bn(2, "relu_1.tmp_0", C, C, 3, "batch_norm2d_2.tmp_2")
    nodes.append(helper.make_node("Add", ["relu_0.tmp_0", "batch_norm2d_2.tmp_2"], ["elementwise_add_0"],
                                  name="p2o.Add.0"))
    nodes.append(helper.make_node("Relu", ["elementwise_add_0"], ["relu_2.tmp_0"], name="p2o.Relu.2"))
    nodes.append(helper.make_node("MaxPool", ["relu_2.tmp_0"], ["pool2d_0.tmp_0"], name="p2o.MaxPool.0",
                                  kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 0, 0]))
    # paddle.flatten(x, start_axis=1): Shape -> Slice[0:1] -> Concat([batch, -1]) -> Reshape
    nodes += [
        helper.make_node("Shape", ["pool2d_0.tmp_0"], ["p2o.Shape.0"], name="p2o.Shape.0"),
        const("p2o.Constant.0", np.array([0], np.int64)),
        const("p2o.Constant.1", np.array([1], np.int64)),
        helper.make_node("Slice", ["p2o.Shape.0", "p2o.Constant.0", "p2o.Constant.1"], ["p2o.Slice.0"],
                         name="p2o.Slice.0"),
        const("p2o.Constant.2", np.array([-1], np.int64)),
        helper.make_node("Concat", ["p2o.Slice.0", "p2o.Constant.2"], ["p2o.Concat.0"], name="p2o.Concat.0", axis=0),
        helper.make_node("Reshape", ["pool2d_0.tmp_0", "p2o.Concat.0"], ["flatten_0.tmp_0"], name="p2o.Reshape.0"),
    ]
    inits += [init("linear_0.w_0", f32(r.normal(0, 0.05, (C * 8 * 8, 32)))), init("linear_0.b_0", f32(r.normal(0, 0.1, 32))),
              init("linear_1.w_0", f32(r.normal(0, 0.2, (32, 12)))), init("linear_1.b_0", f32(r.normal(0, 0.1, 12)))]
    nodes += [
        helper.make_node("MatMul", ["flatten_0.tmp_0", "linear_0.w_0"], ["linear_0.tmp_0"], name="p2o.MatMul.0"),
        helper.make_node("Add", ["linear_0.tmp_0", "linear_0.b_0"], ["linear_0.tmp_1"], name="p2o.Add.1"),
        helper.make_node("Relu", ["linear_0.tmp_1"], ["relu_3.tmp_0"], name="p2o.Relu.3"),
        helper.make_node("MatMul", ["relu_3.tmp_0", "linear_1.w_0"], ["linear_1.tmp_0"], name="p2o.MatMul.1"),
        helper.make_node("Add", ["linear_1.tmp_0", "linear_1.b_0"], ["linear_1.tmp_1"], name="p2o.Add.2"),
        # reshape to [batch, 3, 4] with the batch taken from Shape -> Gather -> Unsqueeze -> Concat
        helper.make_node("Shape", ["linear_1.tmp_1"], ["p2o.Shape.1"], name="p2o.Shape.1"),
        const("p2o.Constant.3", np.array(0, np.int64)),
        helper.make_node("Gather", ["p2o.Shape.1", "p2o.Constant.3"], ["p2o.Gather.0"], name="p2o.Gather.0", axis=0),
        helper.make_node("Unsqueeze", ["p2o.Gather.0"], ["p2o.Unsqueeze.0"], name="p2o.Unsqueeze.0", axes=[0]),
        const("p2o.Constant.4", np.array([3, 4], np.int64)),
        helper.make_node("Concat", ["p2o.Unsqueeze.0", "p2o.Constant.4"], ["p2o.Concat.1"], name="p2o.Concat.1",
                         axis=0),
        helper.make_node("Reshape", ["linear_1.tmp_1", "p2o.Concat.1"], ["reshape_0.tmp_0"], name="p2o.Reshape.1"),
        const("p2o.Constant.5", np.array(1.0, np.float32)),
        helper.make_node("Mul", ["reshape_0.tmp_0", "p2o.Constant.5"], ["scale_0.tmp_0"], name="p2o.Mul.0"),
        helper.make_node("Softmax", ["scale_0.tmp_0"], ["softmax_0.tmp_0"], name="p2o.Softmax.0", axis=2),
    ]
    g = helper.make_graph(nodes, "paddle", [vi("x", TensorProto.FLOAT, ["p2o.DynamicDimension.0", 3, 32, 32])],
                          [vi("softmax_0.tmp_0", TensorProto.FLOAT, ["p2o.DynamicDimension.0", 3, 4])], inits)
    m = finish(g, 11, producer="PaddlePaddle")
    m.producer_version = "2.5.0"
    return m

def small_convnet(r, dtype=np.float32, typed=False):
    """Conv(3->16) BN Relu Conv(16->16) BN Add Relu GlobalAveragePool Flatten Gemm(16->10) as (nodes, inits)."""
    def t(name, arr):
        arr = np.asarray(arr).astype(dtype) if np.asarray(arr).dtype.kind == "f" else np.asarray(arr)
        if not typed:
            return numpy_helper.from_array(arr, name)
        elem = helper.np_dtype_to_tensor_dtype(arr.dtype) if hasattr(helper, "np_dtype_to_tensor_dtype") else \
            onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[arr.dtype]
        return helper.make_tensor(name, elem, arr.shape, arr.flatten().tolist(), raw=False)
    inits = [t("conv1.weight", r.normal(0, 0.3, (16, 3, 3, 3))), t("conv1.bias", r.normal(0, 0.1, 16)),
             t("bn1.scale", r.uniform(0.2, 1.5, 16)), t("bn1.bias", r.normal(0, 0.2, 16)),
             t("bn1.mean", r.normal(0, 0.2, 16)), t("bn1.var", r.uniform(0.5, 2, 16)),
             t("conv2.weight", r.normal(0, 0.2, (16, 16, 3, 3))),
             t("bn2.scale", r.uniform(0.2, 1.5, 16)), t("bn2.bias", r.normal(0, 0.2, 16)),
             t("bn2.mean", r.normal(0, 0.2, 16)), t("bn2.var", r.uniform(0.5, 2, 16)),
             t("fc.weight", r.normal(0, 0.3, (10, 16))), t("fc.bias", r.normal(0, 0.1, 10)),
             t("flatten.shape", np.array([0, -1], np.int64))]
    nodes = [
        helper.make_node("Conv", ["x", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", pads=[1] * 4),
        helper.make_node("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["b1"],
                         name="bn1"),
        helper.make_node("Relu", ["b1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "conv2.weight"], ["c2"], name="conv2", pads=[1] * 4),
        helper.make_node("BatchNormalization", ["c2", "bn2.scale", "bn2.bias", "bn2.mean", "bn2.var"], ["b2"],
                         name="bn2"),
        helper.make_node("Add", ["r1", "b2"], ["s"], name="add"),
        helper.make_node("Relu", ["s"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
        helper.make_node("Reshape", ["gap", "flatten.shape"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["y"], name="fc", transB=1),
    ]
    return nodes, inits


@helper_model("external_data", "io_external_data", 13,
              "hand-built small residual CNN saved with onnx.save(save_as_external_data=True, size_threshold=1024): "
              "the 2 conv weights (1 KB or more) live in external_data_op13.onnx.data (location, offset, length), "
              "the small ones stay inline", external=True)
def _():
    nodes, inits = small_convnet(rng(18))
    g = helper.make_graph(nodes, "external_data", [vi("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("y", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


@helper_model("typed_fields", "io_typed_fields", 13,
              "hand-built small residual CNN whose initializers use the typed fields (float_data, int64_data) "
              "instead of raw_data, as old exporters and hand-written tools do; its nodes have NO names (names are "
              "optional in ONNX)")
def _():
    nodes, inits = small_convnet(rng(19), typed=True)
    for n in nodes:
        n.ClearField("name")
    g = helper.make_graph(nodes, "typed_fields", [vi("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("y", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


@helper_model("fp16_weights", "io_float16", 13,
              "hand-built small residual CNN with float16 initializers (raw_data) each followed by Cast(to=FLOAT), "
              "as weight-compressing converters emit; float32 input and output")
def _():
    nodes, inits = small_convnet(rng(20), dtype=np.float16)
    casts = []
    for i in inits:
        if i.data_type == TensorProto.FLOAT16:
            casts.append(helper.make_node("Cast", [i.name], [i.name + "_fp32"], name="cast_" + i.name,
                                          to=TensorProto.FLOAT))
    fp16 = {i.name for i in inits if i.data_type == TensorProto.FLOAT16}
    for n in nodes:
        for k, name in enumerate(n.input):
            if name in fp16:
                n.input[k] = name + "_fp32"
    g = helper.make_graph(casts + nodes, "fp16_weights", [vi("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("y", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


@helper_model("fp16_compute", "io_float16", 13,
              "hand-built small residual CNN computing in float16 (float16 initializers, Conv/BN/Gemm in fp16) "
              "with Cast at the float32 input and output, as onnxconverter-common's float16 conversion emits")
def _():
    nodes, inits = small_convnet(rng(21), dtype=np.float16)
    nodes[0].input[0] = "x_fp16"
    nodes[-1].output[0] = "y_fp16"
    nodes = [helper.make_node("Cast", ["x"], ["x_fp16"], name="graph_input_cast", to=TensorProto.FLOAT16)] + nodes + \
        [helper.make_node("Cast", ["y_fp16"], ["y"], name="graph_output_cast", to=TensorProto.FLOAT)]
    g = helper.make_graph(nodes, "fp16_compute", [vi("x", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("y", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 13)


class GPT2Attention(nn.Module):
    """HF GPT-2 attention: Conv1D (addmm on a 2-D view, weight [in, out]), fused c_attn split(dim=2), causal mask
    from a tril buffer with torch.where, split/merge heads with view/permute."""

    def __init__(self, d, heads, max_len):
        super().__init__()
        self.h, self.d = heads, d
        self.c_attn_w = nn.Parameter(torch.randn(d, 3 * d) * 0.1)
        self.c_attn_b = nn.Parameter(torch.zeros(3 * d))
        self.c_proj_w = nn.Parameter(torch.randn(d, d) * 0.1)
        self.c_proj_b = nn.Parameter(torch.zeros(d))
        self.register_buffer("bias", torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)).view(1, 1, max_len,
                                                                                                    max_len))

    @staticmethod
    def conv1d(x, w, b):
        size_out = x.size()[:-1] + (w.size(-1),)
        return torch.addmm(b, x.view(-1, x.size(-1)), w).view(size_out)

    def forward(self, x):
        q, k, v = self.conv1d(x, self.c_attn_w, self.c_attn_b).split(self.d, dim=2)
        shape = q.size()[:-1] + (self.h, self.d // self.h)
        q, k, v = (t.view(shape).permute(0, 2, 1, 3) for t in (q, k, v))
        w = torch.matmul(q, k.transpose(-1, -2)) / torch.full([], v.size(-1) ** 0.5, dtype=q.dtype)
        s = q.size(-2)
        causal = self.bias[:, :, :s, :s]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min, dtype=w.dtype))
        a = torch.matmul(torch.softmax(w, dim=-1), v).permute(0, 2, 1, 3).contiguous()
        a = a.view(a.size()[:-2] + (self.d,))
        return self.conv1d(a, self.c_proj_w, self.c_proj_b)


class GPT2Block(nn.Module):
    def __init__(self, d, heads, max_len):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = GPT2Attention(d, heads, max_len)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc_w = nn.Parameter(torch.randn(d, 4 * d) * 0.1)
        self.c_fc_b = nn.Parameter(torch.zeros(4 * d))
        self.c_proj_w = nn.Parameter(torch.randn(4 * d, d) * 0.1)
        self.c_proj_b = nn.Parameter(torch.zeros(d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        h = GPT2Attention.conv1d(self.ln_2(x), self.c_fc_w, self.c_fc_b)
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * torch.pow(h, 3.0))))  # gelu_new
        return x + GPT2Attention.conv1d(h, self.c_proj_w, self.c_proj_b)


class GPT2Tiny(nn.Module):
    def __init__(self, vocab=100, d=32, heads=4, layers=2, max_len=32):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(max_len, d)
        self.h = nn.ModuleList([GPT2Block(d, heads, max_len) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)

    def forward(self, input_ids):
        pos = torch.arange(0, input_ids.size(-1), dtype=torch.long).unsqueeze(0)
        x = self.wte(input_ids) + self.wpe(pos)
        for blk in self.h:
            x = blk(x)
        x = self.ln_f(x)
        return torch.matmul(x, self.wte.weight.t())  # tied LM head


@torch_model("gpt2_tiny", "gpt2", (13, 17),
             "hand-written GPT-2 (HF-style): Conv1D as Reshape -> Gemm (weight [in,out]) -> Reshape, fused c_attn "
             "Split into q,k,v, causal mask Slice of a tril buffer + Where, Range positions, gelu_new (Tanh/Pow), "
             "pre-LN, LM head tied to the token embedding (MatMul with the transposed embedding); d 32, 4 heads, "
             "2 layers, vocab 100; input_ids [batch, sequence] int64")
def _():
    ids = torch.randint(0, 100, (2, 12), generator=torch.Generator().manual_seed(9))
    return (GPT2Tiny(), (ids,), ["input_ids"], ["logits"],
            {"input_ids": {0: "batch", 1: "sequence"}, "logits": {0: "batch", 1: "sequence"}})

NEWER_OPSET_NOTE = (" onnx " + onnx.__version__ + " knows opsets up to 17, so this file is not run through onnx.checker; "
                    "it is checked by loading and running it in ONNX Runtime 1.28 (samples/scripts/OrtCheck.java).")


def decomposed_layernorm(x, prefix, dim, r, nodes, inits, axes_input=True):
    """ReduceMean/Sub/Pow/ReduceMean/Add/Sqrt/Div/Mul/Add as exporters write LayerNorm (axes as an input from
    opset 18)."""
    inits += [init(f"{prefix}.weight", f32(1 + 0.2 * r.normal(size=dim))), init(f"{prefix}.bias", f32(0.1 * r.normal(size=dim))),
              init(f"{prefix}.axes", np.array([-1], np.int64)), init(f"{prefix}.two", f32(2.0)),
              init(f"{prefix}.eps", f32(1e-5))]
    rm = (lambda i, o, n: helper.make_node("ReduceMean", [i, f"{prefix}.axes"], [o], name=n, keepdims=1)) if axes_input \
        else (lambda i, o, n: helper.make_node("ReduceMean", [i], [o], name=n, axes=[-1], keepdims=1))
    nodes += [rm(x, f"{prefix}.mean", f"{prefix}/ReduceMean"),
              helper.make_node("Sub", [x, f"{prefix}.mean"], [f"{prefix}.centered"], name=f"{prefix}/Sub"),
              helper.make_node("Pow", [f"{prefix}.centered", f"{prefix}.two"], [f"{prefix}.sq"], name=f"{prefix}/Pow"),
              rm(f"{prefix}.sq", f"{prefix}.var", f"{prefix}/ReduceMean_1"),
              helper.make_node("Add", [f"{prefix}.var", f"{prefix}.eps"], [f"{prefix}.vareps"], name=f"{prefix}/Add"),
              helper.make_node("Sqrt", [f"{prefix}.vareps"], [f"{prefix}.std"], name=f"{prefix}/Sqrt"),
              helper.make_node("Div", [f"{prefix}.centered", f"{prefix}.std"], [f"{prefix}.norm"], name=f"{prefix}/Div"),
              helper.make_node("Mul", [f"{prefix}.norm", f"{prefix}.weight"], [f"{prefix}.scaled"], name=f"{prefix}/Mul"),
              helper.make_node("Add", [f"{prefix}.scaled", f"{prefix}.bias"], [f"{prefix}.out"], name=f"{prefix}/Add_1")]
    return f"{prefix}.out"


@helper_model("encoder_block", "transformer", 18,
              "hand-built pre-LN transformer block at opset 18, the forms newer exporters write: decomposed LayerNorm "
              "with ReduceMean axes as an INPUT, fused QKV MatMul + Split(num_outputs=3) (no split sizes), Reshape "
              "[0,0,4,8] into heads, Transpose, MatMul, Softmax, MLP with LayerNormalization and Erf-GELU, "
              "ReduceMean over the sequence (axes input, keepdims=0), MatMul head; input [batch, seq, 32]."
              + NEWER_OPSET_NOTE, onnx_check=False)
def _():
    r = rng(22)
    D, H, F = 32, 4, 64
    nodes, inits = [], []
    x = decomposed_layernorm("input", "ln1", D, r, nodes, inits)
    inits += [init("attn.qkv.weight", f32(r.normal(0, 0.2, (D, 3 * D)))), init("attn.qkv.bias", f32(r.normal(0, 0.1, 3 * D))),
              init("heads_shape", np.array([0, 0, H, D // H], np.int64)), init("merge_shape", np.array([0, 0, D], np.int64)),
              init("scale", f32(1 / math.sqrt(D // H))),
              init("attn.out.weight", f32(r.normal(0, 0.2, (D, D)))), init("attn.out.bias", f32(r.normal(0, 0.1, D))),
              init("ln2.weight", f32(1 + 0.2 * r.normal(size=D))), init("ln2.bias", f32(0.1 * r.normal(size=D))),
              init("mlp.fc1.weight", f32(r.normal(0, 0.2, (D, F)))), init("mlp.fc1.bias", f32(r.normal(0, 0.1, F))),
              init("mlp.fc2.weight", f32(r.normal(0, 0.2, (F, D)))), init("mlp.fc2.bias", f32(r.normal(0, 0.1, D))),
              init("sqrt2", f32(math.sqrt(2))), init("one", f32(1.0)), init("half", f32(0.5)),
              init("seq_axes", np.array([1], np.int64)),
              init("head.weight", f32(r.normal(0, 0.3, (D, 6)))), init("head.bias", f32(r.normal(0, 0.1, 6)))]
    mk = helper.make_node
    nodes += [
        mk("MatMul", [x, "attn.qkv.weight"], ["qkv0"], name="attn/qkv/MatMul"),
        mk("Add", ["qkv0", "attn.qkv.bias"], ["qkv"], name="attn/qkv/Add"),
        mk("Split", ["qkv"], ["q0", "k0", "v0"], name="attn/Split", axis=-1, num_outputs=3),
        mk("Reshape", ["q0", "heads_shape"], ["q1"], name="attn/q/Reshape"),
        mk("Reshape", ["k0", "heads_shape"], ["k1"], name="attn/k/Reshape"),
        mk("Reshape", ["v0", "heads_shape"], ["v1"], name="attn/v/Reshape"),
        mk("Transpose", ["q1"], ["q"], name="attn/q/Transpose", perm=[0, 2, 1, 3]),
        mk("Transpose", ["k1"], ["kt"], name="attn/k/Transpose", perm=[0, 2, 3, 1]),
        mk("Transpose", ["v1"], ["v"], name="attn/v/Transpose", perm=[0, 2, 1, 3]),
        mk("MatMul", ["q", "kt"], ["scores0"], name="attn/MatMul"),
        mk("Mul", ["scores0", "scale"], ["scores"], name="attn/Mul"),
        mk("Softmax", ["scores"], ["probs"], name="attn/Softmax", axis=-1),
        mk("MatMul", ["probs", "v"], ["ctx0"], name="attn/MatMul_1"),
        mk("Transpose", ["ctx0"], ["ctx1"], name="attn/Transpose", perm=[0, 2, 1, 3]),
        mk("Reshape", ["ctx1", "merge_shape"], ["ctx"], name="attn/Reshape"),
        mk("MatMul", ["ctx", "attn.out.weight"], ["ao0"], name="attn/out/MatMul"),
        mk("Add", ["ao0", "attn.out.bias"], ["ao"], name="attn/out/Add"),
        mk("Add", ["input", "ao"], ["res1"], name="residual1"),
        mk("LayerNormalization", ["res1", "ln2.weight", "ln2.bias"], ["ln2.out"], name="ln2", axis=-1, epsilon=1e-5),
        mk("MatMul", ["ln2.out", "mlp.fc1.weight"], ["h0"], name="mlp/fc1/MatMul"),
        mk("Add", ["h0", "mlp.fc1.bias"], ["h"], name="mlp/fc1/Add"),
        mk("Div", ["h", "sqrt2"], ["g0"], name="mlp/gelu/Div"),
        mk("Erf", ["g0"], ["g1"], name="mlp/gelu/Erf"),
        mk("Add", ["g1", "one"], ["g2"], name="mlp/gelu/Add"),
        mk("Mul", ["h", "g2"], ["g3"], name="mlp/gelu/Mul"),
        mk("Mul", ["g3", "half"], ["g"], name="mlp/gelu/Mul_1"),
        mk("MatMul", ["g", "mlp.fc2.weight"], ["m0"], name="mlp/fc2/MatMul"),
        mk("Add", ["m0", "mlp.fc2.bias"], ["m"], name="mlp/fc2/Add"),
        mk("Add", ["res1", "m"], ["res2"], name="residual2"),
        mk("ReduceMean", ["res2", "seq_axes"], ["pooled"], name="pool", keepdims=0),
        mk("MatMul", ["pooled", "head.weight"], ["o0"], name="head/MatMul"),
        mk("Add", ["o0", "head.bias"], ["output"], name="head/Add"),
    ]
    g = helper.make_graph(nodes, "encoder_block", [vi("input", TensorProto.FLOAT, ["batch", "seq", D])],
                          [vi("output", TensorProto.FLOAT, ["batch", 6])], inits)
    return finish(g, 18, ir_version=8)


@helper_model("convnet", "cnn_new_opsets", 21,
              "hand-built CNN at opset 21 / IR 10: Conv + BatchNormalization + Relu, Conv stride 2 + "
              "GroupNormalization (opset-21 per-channel scale and bias, num_groups 4) + Gelu (opset 20), "
              "Split(axis=1, num_outputs=2) into two Conv branches, Concat, residual Add, Resize x2 (scales input, "
              "linear, half_pixel), Conv, ReduceMean axes [2,3] as input (keepdims=0), Gemm; NCHW input "
              "[batch, 3, 32, 32]." + NEWER_OPSET_NOTE, onnx_check=False)
def _():
    r = rng(23)
    mk = helper.make_node
    inits = [init("conv1.weight", f32(r.normal(0, 0.3, (16, 3, 3, 3)))), init("conv1.bias", f32(r.normal(0, 0.1, 16))),
             init("bn1.scale", f32(r.uniform(0.2, 1.5, 16))), init("bn1.bias", f32(r.normal(0, 0.2, 16))),
             init("bn1.mean", f32(r.normal(0, 0.2, 16))), init("bn1.var", f32(r.uniform(0.5, 2, 16))),
             init("conv2.weight", f32(r.normal(0, 0.2, (32, 16, 3, 3)))),
             init("gn2.scale", f32(r.uniform(0.5, 1.5, 32))), init("gn2.bias", f32(r.normal(0, 0.1, 32))),
             init("branch_a.weight", f32(r.normal(0, 0.2, (16, 16, 3, 3)))), init("branch_a.bias", f32(r.normal(0, 0.1, 16))),
             init("branch_b.weight", f32(r.normal(0, 0.2, (16, 16, 1, 1)))), init("branch_b.bias", f32(r.normal(0, 0.1, 16))),
             init("resize.scales", f32([1, 1, 2, 2])),
             init("conv3.weight", f32(r.normal(0, 0.2, (24, 32, 3, 3)))), init("conv3.bias", f32(r.normal(0, 0.1, 24))),
             init("pool.axes", np.array([2, 3], np.int64)),
             init("fc.weight", f32(r.normal(0, 0.3, (10, 24)))), init("fc.bias", f32(r.normal(0, 0.1, 10)))]
    nodes = [
        mk("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", pads=[1] * 4),
        mk("BatchNormalization", ["c1", "bn1.scale", "bn1.bias", "bn1.mean", "bn1.var"], ["b1"], name="bn1"),
        mk("Relu", ["b1"], ["r1"], name="relu1"),
        mk("Conv", ["r1", "conv2.weight"], ["c2"], name="conv2", pads=[1] * 4, strides=[2, 2]),
        mk("GroupNormalization", ["c2", "gn2.scale", "gn2.bias"], ["n2"], name="gn2", num_groups=4, epsilon=1e-5),
        mk("Gelu", ["n2"], ["a2"], name="gelu2"),
        mk("Split", ["a2"], ["s_a", "s_b"], name="split", axis=1, num_outputs=2),
        mk("Conv", ["s_a", "branch_a.weight", "branch_a.bias"], ["ba"], name="branch_a", pads=[1] * 4),
        mk("Conv", ["s_b", "branch_b.weight", "branch_b.bias"], ["bb"], name="branch_b"),
        mk("Concat", ["ba", "bb"], ["cat"], name="concat", axis=1),
        mk("Add", ["cat", "a2"], ["res"], name="residual"),
        mk("Resize", ["res", "", "resize.scales"], ["up"], name="resize", mode="linear",
           coordinate_transformation_mode="half_pixel"),
        mk("Conv", ["up", "conv3.weight", "conv3.bias"], ["c3"], name="conv3", pads=[1] * 4),
        mk("Relu", ["c3"], ["r3"], name="relu3"),
        mk("ReduceMean", ["r3", "pool.axes"], ["pooled"], name="pool", keepdims=0),
        mk("Gemm", ["pooled", "fc.weight", "fc.bias"], ["output"], name="fc", transB=1),
    ]
    g = helper.make_graph(nodes, "convnet_opset21", [vi("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10])], inits)
    return finish(g, 21, ir_version=10)


# ==================================================================================================
# export, check, manifest
# ==================================================================================================
ELEM_NAMES = {v: k.lower() for k, v in TensorProto.DataType.items()}


def value_info_json(v):
    t = v.type.tensor_type
    shape = []
    if t.HasField("shape"):
        for d in t.shape.dim:
            shape.append(d.dim_value if d.HasField("dim_value") else (d.dim_param if d.HasField("dim_param") else None))
    else:
        shape = None
    return {"name": v.name, "elemType": ELEM_NAMES.get(t.elem_type, str(t.elem_type)), "shape": shape}


def describe(path):
    data = open(path, "rb").read()
    m = onnx.load_from_string(data)
    g = m.graph
    init_names = {i.name for i in g.initializer}
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
        "opset": next((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), None),
        "irVersion": m.ir_version,
        "nodes": len(g.node),
        "params": int(sum(int(np.prod(i.dims)) if len(i.dims) else 1 for i in g.initializer)),
        "inputs": [value_info_json(v) for v in g.input if v.name not in init_names],
        "outputs": [value_info_json(v) for v in g.output],
        "ops": dict(sorted(collections.Counter(n.op_type for n in g.node).items())),
        "externalData": sorted({e.value for i in g.initializer for e in i.external_data if e.key == "location"}),
    }


def write_reference(model, args, in_names, out_names, dyn, file, refs_dir):
    """Torch outputs for fresh seeded inputs at batch 3 (another batch than the export example's), written as
    little-endian raw arrays plus FILE.ref listing 'in|out NAME TYPE DIMS PATH' lines, for OrtCheck --compare."""
    g = torch.Generator().manual_seed(99)
    new_args = []
    for a, name in zip(args, in_names):
        shape = list(a.shape)
        if 0 in dyn.get(name, {}):
            shape[0] = 3
        if a.dtype.is_floating_point:
            new_args.append(torch.randn(*shape, generator=g))
        else:
            new_args.append(torch.randint(0, int(a.max()) + 1, shape, generator=g, dtype=a.dtype))
    with torch.no_grad():
        outs = model(*new_args)
    if isinstance(outs, torch.Tensor):
        outs = (outs,)
    lines = []
    for kind, names, tensors in (("in", in_names, new_args), ("out", out_names, outs)):
        for name, t in zip(names, tensors):
            arr = t.numpy()
            typ = "float" if arr.dtype == np.float32 else "int64"
            path = os.path.join(refs_dir, f"{file}.{kind}.{len(lines)}.bin")
            arr.astype("<f4" if typ == "float" else "<i8").tofile(path)
            lines.append(f"{kind} {name} {typ} {','.join(str(d) for d in arr.shape)} {path}")
    with open(os.path.join(refs_dir, file + ".ref"), "w") as f:
        f.write("\n".join(lines) + "\n")


def export_one(spec, opset, out_dir, refs_dir=None):
    file = f"{spec.name}_op{opset}.onnx"
    path = os.path.join(out_dir, file)
    if spec.kind == "torch":
        seed(hash_seed(spec.name))
        model, args, in_names, out_names, dyn = spec.builder()
        if spec.randomize and not isinstance(model, torch.jit.ScriptModule):
            randomize_norms(model, hash_seed(spec.name) + 1)
            randomize_constant_params(model, hash_seed(spec.name) + 2)
        model.eval()
        with torch.no_grad():
            model(*args)  # the model must run before it is exported
        torch.onnx.export(model, args, path, input_names=in_names, output_names=out_names, dynamic_axes=dyn,
                          opset_version=opset, training=spec.training, do_constant_folding=True)
        if refs_dir:
            write_reference(model, args, in_names, out_names, dyn, file, refs_dir)
        exporter = TORCH_EXPORTER
    else:
        model = spec.builder()
        if spec.external:
            data = os.path.join(out_dir, file + ".data")
            if os.path.exists(data):
                os.remove(data)  # onnx appends to an existing data file
            onnx.save(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                      location=file + ".data", size_threshold=1024)
        else:
            onnx.save(model, path)
        exporter = HELPER_EXPORTER
    if spec.onnx_check:
        onnx.checker.check_model(onnx.load(path), full_check=True)
    info = describe(path)
    entry = collections.OrderedDict()
    entry["file"] = file
    entry["family"] = spec.family
    entry["exporter"] = exporter
    entry.update(info)
    suffix = ""
    if spec.kind == "torch" and "BatchNormalization" in info["ops"]:
        suffix = " [BatchNormalization kept: TrainingMode.PRESERVE]"
    elif spec.kind == "torch" and spec.training == EVAL:
        suffix = " [TrainingMode.EVAL: BatchNormalization folded into Conv]"
    entry["notes"] = spec.notes + suffix
    return entry


def hash_seed(name):
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % (2 ** 31)


COMPUTED_KEYS = ("file", "family", "exporter", "sha256", "bytes", "opset", "irVersion", "nodes", "params",
                 "inputs", "outputs", "ops", "externalData", "notes")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--refs", default="", help="also write torch reference outputs here (for OrtCheck --compare)")
    a = ap.parse_args()
    if a.list:
        for s in SPECS.values():
            print(s.name, s.family, list(s.opsets))
        return 0
    os.makedirs(a.out, exist_ok=True)
    if a.refs:
        os.makedirs(a.refs, exist_ok=True)
    only = set(x for x in a.only.split(",") if x)
    manifest_path = os.path.join(a.out, "manifest.json")
    old = {}
    if os.path.exists(manifest_path):
        for e in json.load(open(manifest_path)):
            old[e["file"]] = e
    failures = []
    made = {}
    for spec in SPECS.values():
        if only and spec.name not in only:
            continue
        for opset in spec.opsets:
            try:
                entry = export_one(spec, opset, a.out, a.refs)
            except Exception as ex:  # keep going; report at the end
                failures.append((f"{spec.name}_op{opset}", f"{type(ex).__name__}: {str(ex).splitlines()[0][:300]}"))
                traceback.print_exc(limit=2)
                continue
            merged = collections.OrderedDict(entry)
            for k, v in old.get(entry["file"], {}).items():
                if k not in COMPUTED_KEYS:
                    merged[k] = v  # keep keys other engineers added
            made[entry["file"]] = merged
            print(f"{entry['file']:40s} {entry['bytes'] / 1024:8.1f} KB  nodes {entry['nodes']:4d}  "
                  f"params {entry['params']}", flush=True)
    result = dict(made)
    for f, e in old.items():
        if f not in result and os.path.exists(os.path.join(a.out, f)):
            result[f] = e
    entries = sorted(result.values(), key=lambda e: e["file"])
    tmp = manifest_path + ".tmp"
    with open(tmp, "w") as fh:
        json.dump(entries, fh, indent=2)
        fh.write("\n")
    os.replace(tmp, manifest_path)
    total = sum(os.path.getsize(os.path.join(a.out, f)) for e in entries
                for f in [e["file"]] + e.get("externalData", []))
    print(f"{len(entries)} models in manifest, {total / 1e6:.2f} MB")
    for name, why in failures:
        print(f"FAILED {name}: {why}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
