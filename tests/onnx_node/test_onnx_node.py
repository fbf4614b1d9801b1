"""ONNX's backend node tests through predict (the cases and the runner are in harness.py).

All 1,884 cases run once per session (a few seconds). The engine must give
no wrong answer anywhere, refuse every operator it does not claim, and pass
every float32 case of the operators it claims.
"""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import harness  # noqa: E402

# The operators the engine is meant to claim (issue #4); it may claim more.
REQUIRED_OPS = set("""
    Conv ConvTranspose BatchNormalization Relu LeakyRelu PRelu Clip Sigmoid HardSigmoid HardSwish Tanh
    Softmax LogSoftmax Add Sub Mul Div Sum Max Min MaxPool AveragePool GlobalAveragePool GlobalMaxPool
    Gemm MatMul Flatten Reshape Transpose Concat Split Slice Squeeze Unsqueeze Pad Shape Gather Cast
    ConstantOfShape Constant Identity Dropout ReduceMean Resize Exp Sqrt Pow Erf""".split())



@pytest.fixture(scope="module")
def results():
    return harness.results()


@pytest.fixture(scope="module")
def claimed():
    return harness.claimed_ops()


def test_all_cases_collected(results):
    assert len(results) >= 1800  # 1,884 with onnx 1.23


def test_the_required_operators_are_claimed(claimed):
    assert REQUIRED_OPS <= claimed, sorted(REQUIRED_OPS - claimed)


def test_no_case_gives_a_wrong_answer_or_another_error(results):
    """Every case passes or is refused with PRED_ERR_UNSUPPORTED; so does every frozen variant."""
    failed = [f"{r.name}: {r.message[:200]}" for r in results if r.outcome == harness.FAILED]
    failed += [f"{r.name} (frozen): {r.frozen_message[:200]}" for r in results if r.frozen == harness.FAILED]
    assert not failed, "\n".join(failed)


def test_unclaimed_operators_are_refused(results, claimed):
    wrong = []
    for r in results:
        unclaimed = set(r.ops) - claimed
        if not unclaimed:
            continue
        if r.outcome != harness.REFUSED or not any(f"unsupported operator '{op}'" in r.message for op in unclaimed):
            wrong.append(f"{r.name} ({', '.join(sorted(unclaimed))}): {r.outcome} {r.message[:150]}")
    assert not wrong, "\n".join(wrong)


def test_float32_cases_of_claimed_operators_pass(results, claimed):
    wrong = []
    for r in results:
        if not r.float32_only or not set(r.ops) <= claimed or r.outcome == harness.PASSED:
            continue
        wrong.append(f"{r.name}: {r.outcome} {r.message[:200]} (frozen: {r.frozen} {r.frozen_message[:150]})")
    assert not wrong, "\n".join(wrong)


def test_shape_inputs_are_fed_at_run_time(results):
    """Resize cases that feed scales (and roi) as graph inputs pass as they are:
    setting those inputs re-plans the session (harness reads the session's shapes)."""
    fed = [r for r in results if r.ops == ("Resize",) and r.float32_only]
    assert len(fed) >= 19, len(fed)  # 19 with onnx 1.23
    assert all(r.outcome == harness.PASSED for r in fed), [r.name for r in fed if r.outcome != harness.PASSED]


def test_summary(results, claimed):
    text = harness.summary(results, claimed)
    assert "float32-only, only claimed operators:" in text
    assert "\nConv " in text and "0 failed" in text


def test_every_case_under_sanitizers(tmp_path, claimed):
    """Every case through the C API built with ASan + UBSan: as it is and, if
    it uses claimed operators only, with its non-float32 inputs frozen and with
    all its inputs frozen (so that everything is computed at load)."""
    import subprocess

    import numpy as np

    root = Path(__file__).resolve().parents[2]
    cc = "/usr/bin/clang"
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    if subprocess.run([cc, "-fsanitize=address,undefined", str(probe), "-o", str(tmp_path / "probe")],
                      capture_output=True).returncode != 0:
        pytest.skip("clang cannot link -fsanitize=address,undefined (install libclang-rt-14-dev)")
    exe = tmp_path / "run_models"
    subprocess.run([cc, "-std=c11", "-g", "-O0", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                    "-fno-omit-frame-pointer", "-I", str(root / "generated" / "c"),
                    str(Path(__file__).with_name("run_models.c")), str(root / "generated" / "c" / "predict.c"),
                    "-lm", "-o", str(exe)], check=True)
    paths = []
    for k, case in enumerate(harness.testcases()):
        (inputs, _), = case.data_sets
        inputs = [harness._normalize(x) for x in inputs]
        variants = [(case.model, inputs)]
        ops = {n.op_type for n in case.model.graph.node}
        if ops <= claimed and len(inputs) == len(case.model.graph.input) and all(
                isinstance(x, np.ndarray) for x in inputs):
            not_f32 = {vi.name for vi in case.model.graph.input if not harness._is_float32_tensor(vi)}
            if not_f32:
                variants.append(harness.freeze(case.model, inputs, not_f32))
            if inputs:
                variants.append(harness.freeze(case.model, inputs, {vi.name for vi in case.model.graph.input}))
        for v, (model, feeds) in enumerate(variants):
            path = tmp_path / f"{k}_{v}.onnx"
            path.write_bytes(model.SerializeToString())
            for i, x in enumerate(feeds):
                if isinstance(x, np.ndarray) and x.dtype == np.float32:
                    path.with_name(f"{path.name}.in{i}").write_bytes(x.tobytes())
            paths.append(path.name)
    res = subprocess.run([str(exe), *paths], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-5000:]
    assert int(res.stdout.split("loaded ")[1]) > 400
