#!/usr/bin/python3
"""Make large benchmark models for Lopper (NOT committed; they go to the folder given):

    /usr/bin/python3 samples/scripts/make_big_models.py OUT_DIR [--only a,b,...] [--skip-2gb]

Writes into OUT_DIR:
  resnet50_op13.onnx            torchvision resnet50, random weights (BN stats randomized), BatchNormalization
                                kept (TrainingMode.PRESERVE), opset 13, dynamic batch, ~100 MB
  resnet50_fused_op13.onnx      the same exported with torch's default (BN folded into Conv), ~100 MB
  bert_base_op13.onnx           BERT-base-size encoder (12 layers, hidden 768, 12 heads, FFN 3072, vocab 30522),
                                random weights, opset 13 (decomposed LayerNorm), ~1,200+ nodes, ~440 MB
  mlp_conv_500mb_op13.onnx      ~520 MB: 2 large Conv + 8 Gemm 4096x4096 (inspect memory benchmark)
  synthetic_20k_nodes_op13.onnx ~20,000 nodes: 2,860 residual blocks of Conv/BN/Relu/Conv/BN/Add/Relu, 8 channels
  gemm_stack_2400mb_op13.onnx   ~2.4 GB as external data (gemm_stack_2400mb_op13.onnx.data next to it,
                                4096-byte aligned offsets): 9 Gemm 8192x8192 + head
  manifest.json                 file, bytes, sha256 (of the .onnx only), nodes, params, notes

Deterministic (fixed seeds). Needs Debian's python3-torch, python3-torchvision, python3-onnx.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import warnings

import numpy as np
import onnx
import torch
import torchvision
from onnx import TensorProto, helper, numpy_helper

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_test_models as tm  # noqa: E402  (BertEncoder, randomize_norms)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def resnet50(out, fused):
    torch.manual_seed(0)
    m = torchvision.models.resnet50()
    tm.randomize_norms(m, 50)
    m.eval()
    x = torch.randn(1, 3, 224, 224)
    name = "resnet50_fused_op13.onnx" if fused else "resnet50_op13.onnx"
    torch.onnx.export(m, (x,), os.path.join(out, name), input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13,
                      training=tm.EVAL if fused else tm.PRESERVE)
    return name, "torchvision resnet50, random weights, " + ("BN folded (TrainingMode.EVAL)" if fused else
                                                            "BatchNormalization kept (TrainingMode.PRESERVE)")


def bert_base(out):
    torch.manual_seed(0)
    m = tm.BertEncoder(vocab=30522, hidden=768, heads=12, ffn=3072, layers=12, max_len=512, classes=2)
    tm.randomize_norms(m, 51)
    m.eval()
    ids = torch.randint(0, 30522, (1, 16))
    mask = torch.ones(1, 16, dtype=torch.long)
    tt = torch.zeros(1, 16, dtype=torch.long)
    dyn = {n: {0: "batch", 1: "sequence"} for n in ("input_ids", "attention_mask", "token_type_ids")}
    dyn["last_hidden_state"] = {0: "batch", 1: "sequence"}
    dyn["logits"] = {0: "batch"}
    name = "bert_base_op13.onnx"
    torch.onnx.export(m, (ids, mask, tt), os.path.join(out, name),
                      input_names=["input_ids", "attention_mask", "token_type_ids"],
                      output_names=["last_hidden_state", "logits"], dynamic_axes=dyn, opset_version=13)
    return name, "BERT-base-size encoder (the bert_tiny test model's code at 12x768, 12 heads, FFN 3072), random"


def mlp_conv_500mb(out):
    r = np.random.default_rng(500)
    inits, nodes = [], []

    def w(name, shape, scale):
        inits.append(numpy_helper.from_array((r.standard_normal(shape, dtype=np.float32) * scale), name))

    w("conv1.weight", (512, 3, 3, 3), 0.2)
    w("conv1.bias", (512,), 0.1)
    w("conv2.weight", (1024, 512, 3, 3), 0.015)
    w("conv2.bias", (1024,), 0.1)
    nodes += [helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], name="conv1", pads=[1] * 4),
              helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
              helper.make_node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], name="conv2", pads=[1] * 4,
                               strides=[2, 2]),
              helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
              helper.make_node("GlobalAveragePool", ["r2"], ["gap"], name="gap"),
              helper.make_node("Flatten", ["gap"], ["h0"], name="flatten")]
    dims = [1024] + [4096] * 8 + [1000]
    for i in range(len(dims) - 1):
        w(f"fc{i}.weight", (dims[i + 1], dims[i]), 1.0 / np.sqrt(dims[i]))
        w(f"fc{i}.bias", (dims[i + 1],), 0.1)
        last = i == len(dims) - 2
        nodes.append(helper.make_node("Gemm", [f"h{i}", f"fc{i}.weight", f"fc{i}.bias"],
                                      ["output" if last else f"g{i}"], name=f"fc{i}", transB=1))
        if not last:
            nodes.append(helper.make_node("Relu", [f"g{i}"], [f"h{i + 1}"], name=f"relu_fc{i}"))
    g = helper.make_graph(nodes, "mlp_conv_500mb", [vi("input", TensorProto.FLOAT, ["batch", 3, 32, 32])],
                          [vi("output", TensorProto.FLOAT, ["batch", 1000])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-big-models")
    name = "mlp_conv_500mb_op13.onnx"
    onnx.save(m, os.path.join(out, name))
    return name, "Conv 3->512->1024, GlobalAveragePool, Flatten, Gemm 1024->4096, 7x Gemm 4096->4096, Gemm 4096->1000"


def synthetic_20k(out):
    r = np.random.default_rng(20000)
    C = 8
    inits = [numpy_helper.from_array(r.standard_normal((C, 3, 3, 3), dtype=np.float32) * 0.3, "stem.weight")]
    nodes = [helper.make_node("Conv", ["input", "stem.weight"], ["x0"], name="stem", pads=[1] * 4)]
    blocks = 2860
    x = "x0"
    for b in range(blocks):
        p = f"block{b}"
        for j in (1, 2):
            inits.append(numpy_helper.from_array(r.standard_normal((C, C, 3, 3), dtype=np.float32) * 0.1,
                                                 f"{p}.conv{j}.weight"))
            inits.append(numpy_helper.from_array(r.uniform(0.2, 1.0, C).astype(np.float32), f"{p}.bn{j}.weight"))
            inits.append(numpy_helper.from_array(r.normal(0, 0.1, C).astype(np.float32), f"{p}.bn{j}.bias"))
            inits.append(numpy_helper.from_array(r.normal(0, 0.1, C).astype(np.float32), f"{p}.bn{j}.mean"))
            inits.append(numpy_helper.from_array(r.uniform(0.5, 2, C).astype(np.float32), f"{p}.bn{j}.var"))
        nodes += [
            helper.make_node("Conv", [x, f"{p}.conv1.weight"], [f"{p}.c1"], name=f"{p}.conv1", pads=[1] * 4),
            helper.make_node("BatchNormalization", [f"{p}.c1", f"{p}.bn1.weight", f"{p}.bn1.bias", f"{p}.bn1.mean",
                                                    f"{p}.bn1.var"], [f"{p}.b1"], name=f"{p}.bn1"),
            helper.make_node("Relu", [f"{p}.b1"], [f"{p}.r1"], name=f"{p}.relu1"),
            helper.make_node("Conv", [f"{p}.r1", f"{p}.conv2.weight"], [f"{p}.c2"], name=f"{p}.conv2", pads=[1] * 4),
            helper.make_node("BatchNormalization", [f"{p}.c2", f"{p}.bn2.weight", f"{p}.bn2.bias", f"{p}.bn2.mean",
                                                    f"{p}.bn2.var"], [f"{p}.b2"], name=f"{p}.bn2"),
            helper.make_node("Add", [x, f"{p}.b2"], [f"{p}.sum"], name=f"{p}.add"),
            helper.make_node("Relu", [f"{p}.sum"], [f"{p}.out"], name=f"{p}.relu2"),
        ]
        x = f"{p}.out"
    inits += [numpy_helper.from_array(r.standard_normal((10, C), dtype=np.float32), "fc.weight"),
              numpy_helper.from_array(np.zeros(10, np.float32), "fc.bias")]
    nodes += [helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"),
              helper.make_node("Flatten", ["gap"], ["flat"], name="flatten"),
              helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["output"], name="fc", transB=1)]
    g = helper.make_graph(nodes, "synthetic_20k", [vi("input", TensorProto.FLOAT, ["batch", 3, 16, 16])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-big-models")
    name = "synthetic_20k_nodes_op13.onnx"
    onnx.save(m, os.path.join(out, name))
    return name, f"{blocks} residual blocks (Conv, BN, Relu, Conv, BN, Add, Relu) at 8 channels, 16x16 input"


def gemm_stack_external(out):
    """Writes tensors straight into the external data file (never holding them all in memory)."""
    r = np.random.default_rng(2500)
    name = "gemm_stack_2400mb_op13.onnx"
    data_name = name + ".data"
    inits, nodes = [], []
    D, layers = 8192, 9
    with open(os.path.join(out, data_name), "wb") as data:
        def put(tname, arr):
            off = data.tell()
            pad = (-off) % 4096
            if pad:
                data.write(b"\0" * pad)
                off += pad
            b = np.ascontiguousarray(arr, dtype=np.float32).tobytes()
            data.write(b)
            t = TensorProto()
            t.name = tname
            t.data_type = TensorProto.FLOAT
            t.dims.extend(arr.shape)
            t.data_location = TensorProto.EXTERNAL
            for k, v in (("location", data_name), ("offset", str(off)), ("length", str(len(b)))):
                e = t.external_data.add()
                e.key, e.value = k, v
            inits.append(t)

        x = "input"
        for i in range(layers):
            put(f"fc{i}.weight", r.standard_normal((D, D), dtype=np.float32) * np.float32(1.0 / np.sqrt(D)))
            put(f"fc{i}.bias", r.normal(0, 0.1, D).astype(np.float32))
            nodes += [helper.make_node("Gemm", [x, f"fc{i}.weight", f"fc{i}.bias"], [f"g{i}"], name=f"fc{i}",
                                       transB=1),
                      helper.make_node("Relu", [f"g{i}"], [f"h{i}"], name=f"relu{i}")]
            x = f"h{i}"
        put("head.weight", r.standard_normal((10, D), dtype=np.float32) * np.float32(1.0 / np.sqrt(D)))
        put("head.bias", np.zeros(10, np.float32))
        nodes.append(helper.make_node("Gemm", [x, "head.weight", "head.bias"], ["output"], name="head", transB=1))
    g = helper.make_graph(nodes, "gemm_stack_2400mb", [vi("input", TensorProto.FLOAT, ["batch", D])],
                          [vi("output", TensorProto.FLOAT, ["batch", 10])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-big-models")
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())
    return name, (f"{layers} Gemm {D}x{D} + Relu, head Gemm {D}->10; all tensors in external data file "
                  f"{data_name} (4096-byte aligned offsets)")


JOBS = {
    "resnet50": lambda out: resnet50(out, False),
    "resnet50_fused": lambda out: resnet50(out, True),
    "bert_base": bert_base,
    "mlp_conv_500mb": mlp_conv_500mb,
    "synthetic_20k": synthetic_20k,
    "gemm_stack_2400mb": gemm_stack_external,
}


def describe(out, name, notes):
    path = os.path.join(out, name)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    m = onnx.load(path, load_external_data=False)
    onnx.checker.check_model(path)  # path form: works for > 2 GB models with external data
    ext = [os.path.join(out, name + ".data")] if os.path.exists(os.path.join(out, name + ".data")) else []
    return {"file": name, "bytes": os.path.getsize(path),
            "externalDataBytes": sum(os.path.getsize(e) for e in ext),
            "sha256": h.hexdigest(), "nodes": len(m.graph.node),
            "params": int(sum(int(np.prod(i.dims)) for i in m.graph.initializer)), "notes": notes}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--only", default="")
    ap.add_argument("--skip-2gb", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    only = [x for x in a.only.split(",") if x]
    mpath = os.path.join(a.out, "manifest.json")
    manifest = {e["file"]: e for e in json.load(open(mpath))} if os.path.exists(mpath) else {}
    for key, job in JOBS.items():
        if only and key not in only:
            continue
        if a.skip_2gb and key == "gemm_stack_2400mb":
            continue
        t0 = time.time()
        name, notes = job(a.out)
        entry = describe(a.out, name, notes)
        manifest[name] = entry
        print(f"{name:34s} {(entry['bytes'] + entry['externalDataBytes']) / 1e6:9.1f} MB  nodes {entry['nodes']:6d}  "
              f"params {entry['params']:11d}  {time.time() - t0:6.1f} s", flush=True)
        with open(mpath, "w") as f:
            json.dump(sorted(manifest.values(), key=lambda e: e["file"]), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
