"""Writes src/test/resources/models/loop_conv_op13.onnx: a stem Conv + Relu (h), a Loop of 3 iterations carrying
acc (initially h) whose body adds Conv3x3(Relu(Conv1x1(h))) to acc: the 1x1 conv reads the loop-invariant outer h, its
6 channels live only inside the body (weights: a body initializer and a body Constant node), the 3x3 conv writes the
carried channels. Then Relu and a head Conv. Run with /usr/bin/python3 from the repository root."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(21)


def t(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)


body = helper.make_graph(
    [helper.make_node("Conv", ["h", "w1", "b1"], ["t"], kernel_shape=[1, 1], name="body/conv1"),
     helper.make_node("Relu", ["t"], ["tr"], name="body/relu"),
     helper.make_node("Constant", [], ["w2"], value=t("w2_value", 8, 6, 3, 3), name="body/w2"),
     helper.make_node("Conv", ["tr", "w2"], ["u"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="body/conv2"),
     helper.make_node("Add", ["acc_in", "u"], ["acc_out"], name="body/add"),
     helper.make_node("Identity", ["cond_in"], ["cond_out"], name="body/cond")],
    "loop_body",
    [helper.make_tensor_value_info("iter", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1, 8, 8, 8])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1, 8, 8, 8])],
    initializer=[t("w1", 6, 8, 1, 1), t("b1", 6)])
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "stem_w", "stem_b"], ["s"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="stem"),
     helper.make_node("Relu", ["s"], ["h"], name="stem_relu"),
     helper.make_node("Loop", ["trips", "keep_going", "h"], ["acc"], body=body, name="refine"),
     helper.make_node("Relu", ["acc"], ["r"], name="relu"),
     helper.make_node("Conv", ["r", "head_w", "head_b"], ["out"], kernel_shape=[1, 1], name="head")],
    "loop_conv",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8])],
    initializer=[t("stem_w", 8, 3, 3, 3), t("stem_b", 8), t("head_w", 2, 8, 1, 1), t("head_b", 2),
                 numpy_helper.from_array(np.array(3, dtype=np.int64), "trips"),
                 numpy_helper.from_array(np.array(True), "keep_going")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, "src/test/resources/models/loop_conv_op13.onnx")
