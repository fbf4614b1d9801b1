"""Make the tiny models that the language packages' own tests load.

    python tests/data/make_models.py      # rewrites tests/data/*.onnx

add_relu.onnx: y = Relu(x + bias), x float32 [N, 4] with N symbolic (so it
runs as [1, 4]), bias = BIAS below. Each language's test computes the
expected y from these numbers, not from the engine.
"""
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

BIAS = np.array([-1.0, 0.5, 2.0, -3.0], dtype=np.float32)


def add_relu() -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["sum"], name="add"),
         helper.make_node("Relu", ["sum"], ["y"], name="relu")],
        "add_relu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 4])],
        [numpy_helper.from_array(BIAS, "bias")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="predict-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    here = Path(__file__).parent
    onnx.save(add_relu(), here / "add_relu.onnx")
    print("wrote", here / "add_relu.onnx")
