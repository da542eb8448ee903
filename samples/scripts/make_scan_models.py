"""Writes two Scan test models to src/test/resources/models. Run with /usr/bin/python3 from the repository root.

scan_conv_op13.onnx: 3 frames x [3, 3, 8, 8] -> stem Conv 3->8 + Relu (h [3, 8, 8, 8]); the state starts as the mean
frame (ReduceMean over the frames) and a Scan over axis 1 of Unsqueeze(h) [1, 3, 8, 8, 8] adds, per frame,
Conv3x3(Relu(Conv1x1(frame))) to it (the 1x1 conv's 6 channels live only in the body: weights a body initializer,
the 3x3 weights a body Constant node) and emits Conv1x1(state) with 5 channels (its bias read from the main graph by
name) as a scan output stacked on axis 1 ([1, 3, 5, 8, 8]). Final state -> Relu -> head Conv 8->2; the stacked
outputs -> Squeeze -> Relu -> head Conv 5->4.

scan_rnn_op13.onnx: a hand-written RNN cell. x [5, 2, 6] (time, batch, features) -> MatMul 6->8 + bias + Relu; a Scan
over time with state h (zeros [2, 16] stored) computes h' = tanh(x_t W + h R + b) (W, R body initializers, b read from
the main graph by name) and emits h' each step; the stacked states [5, 2, 16] -> MatMul 16->3 + bias, the final state
-> MatMul 16->4 + bias."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(31)


def t(name, *shape):
    return numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name)


def ints(name, *v):
    return numpy_helper.from_array(np.array(v, dtype=np.int64), name)


def save(g, path):
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
    m.ir_version = 7
    m = onnx.shape_inference.infer_shapes(m, strict_mode=True)
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


# ---- scan_conv_op13 ----
body = helper.make_graph(
    [helper.make_node("Conv", ["h_t", "w1", "b1"], ["t"], kernel_shape=[1, 1], name="body/conv1"),
     helper.make_node("Relu", ["t"], ["tr"], name="body/relu"),
     helper.make_node("Constant", [], ["w2"], value=t("w2_value", 8, 6, 3, 3), name="body/w2"),
     helper.make_node("Conv", ["tr", "w2"], ["u"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="body/conv2"),
     helper.make_node("Add", ["acc_in", "u"], ["acc_out"], name="body/add"),
     helper.make_node("Conv", ["acc_out", "w3", "b3"], ["y_t"], kernel_shape=[1, 1], name="body/conv3")],
    "scan_body",
    [helper.make_tensor_value_info("acc_in", TensorProto.FLOAT, [1, 8, 8, 8]),
     helper.make_tensor_value_info("h_t", TensorProto.FLOAT, [1, 8, 8, 8])],
    [helper.make_tensor_value_info("acc_out", TensorProto.FLOAT, [1, 8, 8, 8]),
     helper.make_tensor_value_info("y_t", TensorProto.FLOAT, [1, 5, 8, 8])],
    initializer=[t("w1", 6, 8, 1, 1), t("b1", 6), t("w3", 5, 8, 1, 1)])
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "stem_w", "stem_b"], ["s"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name="stem"),
     helper.make_node("Relu", ["s"], ["h"], name="stem_relu"),
     helper.make_node("ReduceMean", ["h"], ["acc0"], axes=[0], keepdims=1, name="mean_frame"),
     helper.make_node("Unsqueeze", ["h", "axis0"], ["hs"], name="frames"),
     helper.make_node("Scan", ["acc0", "hs"], ["acc", "ys"], body=body, num_scan_inputs=1,
                      scan_input_axes=[1], scan_output_axes=[1], name="scan"),
     helper.make_node("Relu", ["acc"], ["r"], name="relu"),
     helper.make_node("Conv", ["r", "head_w", "head_b"], ["out"], kernel_shape=[1, 1], name="head"),
     helper.make_node("Squeeze", ["ys", "axis0"], ["y3"], name="unstack"),
     helper.make_node("Relu", ["y3"], ["yr"], name="y_relu"),
     helper.make_node("Conv", ["yr", "head2_w", "head2_b"], ["out_frames"], kernel_shape=[1, 1], name="head2")],
    "scan_conv",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 3, 8, 8])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8]),
     helper.make_tensor_value_info("out_frames", TensorProto.FLOAT, [3, 4, 8, 8])],
    initializer=[t("stem_w", 8, 3, 3, 3), t("stem_b", 8), t("b3", 5), t("head_w", 2, 8, 1, 1), t("head_b", 2),
                 t("head2_w", 4, 5, 1, 1), t("head2_b", 4), ints("axis0", 0)])
save(g, "src/test/resources/models/scan_conv_op13.onnx")

# ---- scan_rnn_op13 ----
body = helper.make_graph(
    [helper.make_node("MatMul", ["x_t", "W"], ["a"], name="cell/input"),
     helper.make_node("MatMul", ["h_in", "R"], ["r"], name="cell/recurrent"),
     helper.make_node("Add", ["a", "r"], ["s"], name="cell/sum"),
     helper.make_node("Add", ["s", "rnn_b"], ["s2"], name="cell/bias"),
     helper.make_node("Tanh", ["s2"], ["h_out"], name="cell/tanh"),
     helper.make_node("Identity", ["h_out"], ["y_t"], name="cell/emit")],
    "rnn_cell",
    [helper.make_tensor_value_info("h_in", TensorProto.FLOAT, [2, 16]),
     helper.make_tensor_value_info("x_t", TensorProto.FLOAT, [2, 8])],
    [helper.make_tensor_value_info("h_out", TensorProto.FLOAT, [2, 16]),
     helper.make_tensor_value_info("y_t", TensorProto.FLOAT, [2, 16])],
    initializer=[t("W", 8, 16), t("R", 16, 16)])
g = helper.make_graph(
    [helper.make_node("MatMul", ["x", "pre_w"], ["p"], name="pre"),
     helper.make_node("Add", ["p", "pre_b"], ["p2"], name="pre_bias"),
     helper.make_node("Relu", ["p2"], ["e"], name="pre_relu"),
     helper.make_node("Scan", ["h0", "e"], ["h_last", "hs"], body=body, num_scan_inputs=1, name="rnn"),
     helper.make_node("MatMul", ["hs", "out_w"], ["o"], name="out_proj"),
     helper.make_node("Add", ["o", "out_b"], ["out"], name="out_bias"),
     helper.make_node("MatMul", ["h_last", "cls_w"], ["c"], name="cls"),
     helper.make_node("Add", ["c", "cls_b"], ["cls_out"], name="cls_bias")],
    "scan_rnn",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [5, 2, 6])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, [5, 2, 3]),
     helper.make_tensor_value_info("cls_out", TensorProto.FLOAT, [2, 4])],
    initializer=[t("pre_w", 6, 8), t("pre_b", 8), numpy_helper.from_array(np.zeros((2, 16), np.float32), "h0"),
                 t("rnn_b", 16), t("out_w", 16, 3), t("out_b", 3), t("cls_w", 16, 4), t("cls_b", 4)])
save(g, "src/test/resources/models/scan_rnn_op13.onnx")
