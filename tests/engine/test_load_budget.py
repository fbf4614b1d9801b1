"""The load budget: a small file cannot make pred_model_load take gigabytes.

Each empty attribute of a node is 2 bytes in the file and a 152-byte struct in
the parser, so a file of millions of them once asked for ~120 times its size.
PRED_LOAD_BUDGET(n) = 256 MiB + 32 n bytes caps every load. The loads run in a
child process so that its peak memory (ru_maxrss) is the load's alone.
"""
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import resource, sys
    from onnx import TensorProto, helper
    import predict

    def varint(n):
        out = bytearray()
        while True:
            b, n = n & 0x7F, n >> 7
            out.append(b | 0x80 if n else b)
            if not n:
                return bytes(out)

    def field(number, payload):  # a length-delimited protobuf field
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    # NodeProto: input 1, output 2, op_type 4, attribute 5 (here empty, n times)
    node = field(1, b"x") + field(2, b"y") + field(4, b"Relu") + field(5, b"") * int(sys.argv[1])
    io = [helper.make_tensor_value_info(v, TensorProto.FLOAT, [1]).SerializeToString() for v in "xy"]
    graph = field(1, node) + field(11, io[0]) + field(12, io[1])
    opset = helper.make_opsetid("", 13).SerializeToString()
    model = varint(1 << 3) + varint(8) + field(8, opset) + field(7, graph)  # ir_version 8
    try:
        with predict.Model.load(model):
            result = "PRED_OK"
    except predict.PredictError as e:
        result = str(e)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(len(model), peak_mib, result)
""")


def load_in_child(n_attributes: int) -> tuple[int, int, str]:
    """(file bytes, peak MiB of the process, status and message) of loading the hostile file."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(n_attributes)], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    size, peak, result = out.strip().split(" ", 2)
    return int(size), int(peak), result


@pytest.mark.parametrize("n", [4_000_000, 10_000_000])
def test_many_empty_attributes_are_refused_within_the_budget(n):
    size, peak, result = load_in_child(n)
    budget_mib = 256 + 32 * size // 2**20
    assert result.startswith("PRED_ERR_MODEL") and "PRED_LOAD_BUDGET" in result, result
    # the interpreter, onnx and numpy take ~100 MiB before the load starts
    assert peak < budget_mib + 200, (size, peak, budget_mib)


def test_a_file_within_the_budget_loads():
    size, peak, result = load_in_child(100_000)
    assert result == "PRED_OK", result
