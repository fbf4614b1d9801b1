"""The session's memory plan: values whose lifetimes do not overlap share the arena.

Expected sizes come from first principles: in a chain, each value is read only by
the next node, so two ranges serve every intermediate value whatever the length."""
import numpy as np
import onnx
from onnx import TensorProto, helper

import predict


def chain(n: int, size: int, op: str = "Relu") -> bytes:
    names = ["x"] + [f"t{k}" for k in range(n - 1)] + ["y"]
    nodes = [helper.make_node(op, [names[k]], [names[k + 1]]) for k in range(n)]
    graph = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [size])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def test_a_chain_needs_two_ranges_for_its_values_whatever_its_length():
    size = 4096                                       # floats, a multiple of the 16-float alignment
    for n in (3, 50):
        with predict.Model.load(chain(n, size, "Neg")) as m, predict.Session(m) as s:
            # input and output keep their own ranges; the n - 1 intermediate values share two
            assert s.memory_size() == 4 * size * 4, (n, s.memory_size())
            x = np.linspace(-3, 3, size, dtype=np.float32)
            s.set_input(0, x)
            s.run()
            np.testing.assert_array_equal(s.get_output(0), x if n % 2 == 0 else -x)


def test_a_value_read_later_keeps_its_range_until_then():
    """y = a + b where a = Neg(x) is computed first and b = Neg(Neg(Neg(x))) after: a must survive."""
    size = 64
    nodes = [helper.make_node("Neg", ["x"], ["a"]), helper.make_node("Neg", ["x"], ["b1"]),
             helper.make_node("Neg", ["b1"], ["b2"]), helper.make_node("Neg", ["b2"], ["b"]),
             helper.make_node("Add", ["a", "b"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [size])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    with predict.Model.load(model.SerializeToString()) as m, predict.Session(m) as s:
        x = np.arange(size, dtype=np.float32)
        for _ in range(2):                                # a second run reuses the same memory
            s.set_input(0, x)
            s.run()
            np.testing.assert_array_equal(s.get_output(0), -2 * x)
