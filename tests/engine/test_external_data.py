"""External data at scale (the conformance cases cover the behaviour in every language).

- A file per tensor, thousands of them (onnx's all_tensors_to_one_file=False):
  more files than a process may keep open, so the loader must not keep them.
- Tensors that all name the same bytes of one data file: their data counts
  towards the load budget (PRED_LOAD_BUDGET) once as the file's size, so
  a small model cannot make the loader take gigabytes by naming 1 MiB
  thousands of times.
"""
import resource

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import predict


def sum_model(n: int, size: int) -> onnx.ModelProto:
    """y = x + w0 + ... + w(n-1) (a chain of Add), every w of `size` floats."""
    rng = np.random.default_rng(5)
    inits = [numpy_helper.from_array(rng.standard_normal(size).astype(np.float32), f"w{k}") for k in range(n)]
    sums = ["x"] + [f"s{k}" for k in range(n - 1)] + ["y"]
    nodes = [helper.make_node("Add", [sums[k], f"w{k}"], [sums[k + 1]]) for k in range(n)]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [size])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [size])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def test_a_file_per_tensor_beyond_the_open_file_limit(tmp_path):
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    n = min(soft, 4096) + 100
    model = sum_model(n, 4)
    expected = np.zeros(4, np.float32)
    for t in model.graph.initializer:  # left to right in float32, as the chain adds
        expected += numpy_helper.to_array(t)
    onnx.save_model(model, tmp_path / "model.onnx", save_as_external_data=True, all_tensors_to_one_file=False,
                    size_threshold=0)
    assert len(list(tmp_path.iterdir())) == n + 1
    with predict.Model.load_file(str(tmp_path / "model.onnx")) as m, predict.Session(m) as s:
        s.set_input(0, np.zeros(4, np.float32))
        s.run()
        np.testing.assert_array_equal(s.get_output(0).ravel(), expected)


def test_tensors_naming_the_same_data_do_not_raise_the_budget(tmp_path):
    n, size = 2000, 1 << 18                      # 2000 tensors of 1 MiB, all at offset 0 of one 1 MiB file
    model = sum_model(1, size)
    onnx.save_model(model, tmp_path / "one.onnx", save_as_external_data=True, location="data.bin",
                    size_threshold=0)
    one = onnx.load(tmp_path / "one.onnx", load_external_data=False)
    template = one.graph.initializer[0]
    names = []
    for k in range(1, n):
        t = one.graph.initializer.add()
        t.CopyFrom(template)
        t.name = f"w{k}"
        names.append(t.name)
    for k, name in enumerate(names):
        one.graph.node.add().CopyFrom(helper.make_node("Add", [one.graph.output[0].name if k == 0 else f"t{k - 1}", name],
                                                       [f"t{k}"]))
    one.graph.output[0].name = f"t{len(names) - 1}"
    (tmp_path / "many.onnx").write_bytes(one.SerializeToString())
    with pytest.raises(predict.PredictError) as e:
        predict.Model.load_file(str(tmp_path / "many.onnx"))
    assert e.value.status == predict.Status.ERR_MODEL and "PRED_LOAD_BUDGET" in str(e.value), str(e.value)


def test_a_device_file_inside_the_folder_is_refused(tmp_path):
    """A character device (here a copy of /dev/zero's node) is not a regular file, even inside the folder.
    The conformance cases cover links, loops, FIFOs and folders in every language; making a device node
    needs a privilege a test machine may not grant."""
    import os
    import stat
    model = sum_model(1, 4)
    onnx.save_model(model, tmp_path / "model.onnx", save_as_external_data=True, location="w.bin", size_threshold=0)
    (tmp_path / "w.bin").unlink()
    try:
        os.mknod(tmp_path / "w.bin", 0o600 | stat.S_IFCHR, os.stat("/dev/zero").st_rdev)
    except PermissionError:
        pytest.skip("no permission to make a device node here")
    with pytest.raises(predict.PredictError) as e:
        predict.Model.load_file(str(tmp_path / "model.onnx"))
    assert e.value.status == predict.Status.ERR_MODEL and "not a regular file" in str(e.value), str(e.value)
