"""Writes src/test/resources/models/if_convs_op13.onnx: a stem Conv, an If whose two branches each hold a Conv + Relu
reading the stem's output (weights stored inside the branches: a body initializer and a body Constant node), and a
head Conv. Run with /usr/bin/python3 from the repository root."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(7)


def t(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.3, name)


then_g = helper.make_graph(
    [helper.make_node("Conv", ["h", "then_w", "then_b"], ["then_c"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     helper.make_node("Relu", ["then_c"], ["then_y"])],
    "then_branch", [], [helper.make_tensor_value_info("then_y", TensorProto.FLOAT, [1, 8, 8, 8])],
    initializer=[t("then_w", 8, 4, 3, 3), t("then_b", 8)])
else_g = helper.make_graph(
    [helper.make_node("Constant", [], ["else_w"], value=t("else_w_value", 8, 4, 1, 1)),
     helper.make_node("Conv", ["h", "else_w", "else_b"], ["else_c"], kernel_shape=[1, 1]),
     helper.make_node("Relu", ["else_c"], ["else_y"])],
    "else_branch", [], [helper.make_tensor_value_info("else_y", TensorProto.FLOAT, [1, 8, 8, 8])],
    initializer=[t("else_b", 8)])
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "stem_w", "stem_b"], ["h"], kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
     helper.make_node("If", ["cond"], ["y"], then_branch=then_g, else_branch=else_g),
     helper.make_node("Conv", ["y", "head_w", "head_b"], ["out"], kernel_shape=[1, 1])],
    "if_convs",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
     helper.make_tensor_value_info("cond", TensorProto.BOOL, [])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 2, 8, 8])],
    initializer=[t("stem_w", 4, 3, 3, 3), t("stem_b", 4), t("head_w", 2, 8, 1, 1), t("head_b", 2)])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, "src/test/resources/models/if_convs_op13.onnx")

# loop_matmul_op13.onnx: a Loop with a constant trip count of 3 whose body multiplies the carried [1, 4] value by a
# [4, 4] weight stored in the body.
body = helper.make_graph(
    [helper.make_node("MatMul", ["v_in", "loop_w"], ["v_out"]),
     helper.make_node("Identity", ["cond_in"], ["cond_out"])],
    "loop_body",
    [helper.make_tensor_value_info("iter", TensorProto.INT64, []),
     helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
     helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
     helper.make_tensor_value_info("v_out", TensorProto.FLOAT, [1, 4])],
    initializer=[t("loop_w", 4, 4)])
g = helper.make_graph(
    [helper.make_node("Loop", ["trips", "keep_going", "x"], ["y"], body=body)],
    "loop_matmul",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    initializer=[numpy_helper.from_array(np.array(3, dtype=np.int64), "trips"),
                 numpy_helper.from_array(np.array(True), "keep_going")])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, "src/test/resources/models/loop_matmul_op13.onnx")

# scan_matmul_op13.onnx: a Scan over 3 slices of xs [3, 1, 4]; the body adds xs_i @ W (W [4, 4] stored in the body)
# to the [1, 4] state.
body = helper.make_graph(
    [helper.make_node("MatMul", ["x_i", "scan_w"], ["t"]),
     helper.make_node("Add", ["s_in", "t"], ["s_out"]),
     helper.make_node("Identity", ["s_out"], ["y_i"])],
    "scan_body",
    [helper.make_tensor_value_info("s_in", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("x_i", TensorProto.FLOAT, [1, 4])],
    [helper.make_tensor_value_info("s_out", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("y_i", TensorProto.FLOAT, [1, 4])],
    initializer=[t("scan_w", 4, 4)])
g = helper.make_graph(
    [helper.make_node("Scan", ["s0", "xs"], ["s_final", "ys"], body=body, num_scan_inputs=1)],
    "scan_matmul",
    [helper.make_tensor_value_info("s0", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("xs", TensorProto.FLOAT, [3, 1, 4])],
    [helper.make_tensor_value_info("s_final", TensorProto.FLOAT, [1, 4]),
     helper.make_tensor_value_info("ys", TensorProto.FLOAT, [3, 1, 4])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="lopper-tests")
m.ir_version = 7
onnx.checker.check_model(m, full_check=True)
onnx.save(m, "src/test/resources/models/scan_matmul_op13.onnx")
