"""Writes src/test/resources/models/if_vad_op13.onnx: a voice-activity-style model whose whole network sits in the two
branches of an If chosen by the sample rate (sr == 16000: a 16 kHz network, else an 8 kHz one), like silero-vad.
Each branch: Conv1d + Relu, Conv1d + Relu, mean over time, MatMul + bias to 2 logits (the If output is the graph
output). Weights live as body initializers, a body Constant node and one outer-scope initializer read by a branch.
Run with /usr/bin/python3 from the repository root."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(12)


def t(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.4).astype(np.float32), name)


def axes(name, *v):
    return numpy_helper.from_array(np.array(v, dtype=np.int64), name)


then_g = helper.make_graph(
    [helper.make_node("Conv", ["x", "w16a", "b16a"], ["c16a"], kernel_shape=[5], pads=[2, 2], strides=[2], name="then/conv_a"),
     helper.make_node("Relu", ["c16a"], ["r16a"], name="then/relu_a"),
     helper.make_node("Conv", ["r16a", "w16b", "b16b"], ["c16b"], kernel_shape=[3], pads=[1, 1], name="then/conv_b"),
     helper.make_node("Relu", ["c16b"], ["r16b"], name="then/relu_b"),
     helper.make_node("ReduceMean", ["r16b"], ["m16"], axes=[2], keepdims=0, name="then/mean"),
     helper.make_node("MatMul", ["m16", "w16c"], ["l16"], name="then/fc"),
     helper.make_node("Add", ["l16", "b16c"], ["y16"], name="then/fc_bias")],
    "then_branch", [], [helper.make_tensor_value_info("y16", TensorProto.FLOAT, [1, 2])],
    initializer=[t("w16a", 8, 1, 5), t("b16a", 8), t("w16b", 8, 8, 3), t("b16b", 8), t("w16c", 8, 2), t("b16c", 2)])
else_g = helper.make_graph(
    [helper.make_node("Conv", ["x", "w8a", "b8a"], ["c8a"], kernel_shape=[3], pads=[1, 1], name="else/conv_a"),
     helper.make_node("Relu", ["c8a"], ["r8a"], name="else/relu_a"),
     helper.make_node("Constant", [], ["w8b"], value=t("w8b_value", 8, 6, 3), name="else/w8b"),
     helper.make_node("Conv", ["r8a", "w8b", "b8b"], ["c8b"], kernel_shape=[3], pads=[1, 1], name="else/conv_b"),
     helper.make_node("Relu", ["c8b"], ["r8b"], name="else/relu_b"),
     helper.make_node("ReduceMean", ["r8b"], ["m8"], axes=[2], keepdims=0, name="else/mean"),
     helper.make_node("MatMul", ["m8", "w8c"], ["l8"], name="else/fc"),
     helper.make_node("Add", ["l8", "b8c"], ["y8"], name="else/fc_bias")],
    "else_branch", [], [helper.make_tensor_value_info("y8", TensorProto.FLOAT, [1, 2])],
    initializer=[t("w8a", 6, 1, 3), t("b8a", 6), t("b8b", 8), t("b8c", 2)])
g = helper.make_graph(
    [helper.make_node("Equal", ["sr", "sr16k"], ["is16k"], name="is16k"),
     helper.make_node("If", ["is16k"], ["logits"], then_branch=then_g, else_branch=else_g, name="by_rate")],
    "if_vad",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 64]),
     helper.make_tensor_value_info("sr", TensorProto.INT64, [1])],
    [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 2])],
    initializer=[numpy_helper.from_array(np.array([16000], dtype=np.int64), "sr16k"), t("w8c", 8, 2)])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, "src/test/resources/models/if_vad_op13.onnx")
