#!/usr/bin/python3
"""Fixtures of the calibration tests (run from the repository root):

    /usr/bin/python3 samples/scripts/make_calibration_fixtures.py

Writes into src/test/resources/calibration/:
- two_inputs.onnx: input_ids int64 [batch, seq] and attention_mask float [batch, seq], both dims symbolic:
  Gather(embedding 16x8) * mask -> MatMul(8x12) + bias -> Relu -> MatMul(12x3) -> ReduceMean over seq -> logits [batch, 3].
  The 12 hidden channels are one prunable group.
- two_inputs_b1.onnx: the same graph with a fixed batch of 1 (seq stays symbolic).
- two_inputs.npz: 7 samples of 5 tokens: input_ids (int64 [7, 5]) and attention_mask (float32 [7, 5], zeros at the end
  of some rows).
Seeds are fixed; needs numpy and onnx only.
"""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = "src/test/resources/calibration/"
rng = np.random.default_rng(9)
emb = rng.normal(size=(16, 8)).astype(np.float32)
w1 = rng.normal(size=(8, 12)).astype(np.float32)
b1 = rng.normal(scale=0.5, size=(12,)).astype(np.float32)
w2 = rng.normal(size=(12, 3)).astype(np.float32)


def model(batch):
    nodes = [
        helper.make_node("Gather", ["emb", "input_ids"], ["e"], name="embed"),
        helper.make_node("Unsqueeze", ["attention_mask", "axis_last"], ["m"], name="mask_unsqueeze"),
        helper.make_node("Mul", ["e", "m"], ["em"], name="mask"),
        helper.make_node("MatMul", ["em", "w1"], ["h0"], name="fc1"),
        helper.make_node("Add", ["h0", "b1"], ["h1"], name="fc1_bias"),
        helper.make_node("Relu", ["h1"], ["h"], name="relu"),
        helper.make_node("MatMul", ["h", "w2"], ["o"], name="fc2"),
        helper.make_node("ReduceMean", ["o"], ["logits"], name="pool", axes=[1], keepdims=0),
    ]
    inits = [numpy_helper.from_array(emb, "emb"), numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"),
             numpy_helper.from_array(w2, "w2"), numpy_helper.from_array(np.array([-1], np.int64), "axis_last")]
    g = helper.make_graph(nodes, "two_inputs",
                          [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [batch, "seq"]),
                           helper.make_tensor_value_info("attention_mask", TensorProto.FLOAT, [batch, "seq"])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [batch, 3])], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="make_calibration_fixtures")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


onnx.save(model("batch"), OUT + "two_inputs.onnx")
onnx.save(model(1), OUT + "two_inputs_b1.onnx")
ids = rng.integers(0, 16, size=(7, 5)).astype(np.int64)
mask = np.ones((7, 5), np.float32)
mask[1, 3:] = 0
mask[4, 2:] = 0
mask[6, 4:] = 0
np.savez(OUT + "two_inputs.npz", input_ids=ids, attention_mask=mask)
