"""Threads under ThreadSanitizer: one model shared by several application threads, each with its
own session of 1 to 3 threads, outputs compared bit for bit with a single-threaded run."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from cases import all_cases  # noqa: E402
from test_sanitizers import sanitizers_work  # noqa: E402
from threads_models import batch_cnn, big_models  # noqa: E402  (large enough for every operator to split)


@pytest.mark.parametrize("cc", ["gcc", "/usr/bin/clang"], ids=["gcc", "clang"])
def test_shared_model_sessions_with_threads_under_tsan(tmp_path, cc):
    if not sanitizers_work(cc, tmp_path, "thread"):
        pytest.skip(f"{cc} cannot link -fsanitize=thread")
    exe = tmp_path / "threads_test"
    subprocess.run([cc, "-std=c11", "-g", "-O1", "-fsanitize=thread", "-fno-omit-frame-pointer", "-pthread",
                    "-I", str(ROOT / "generated" / "c"), str(ROOT / "tests" / "c" / "threads_test.c"),
                    str(ROOT / "generated" / "c" / "predict.c"), "-lm", "-o", str(exe)], check=True)
    models = []
    for name, model, _ in big_models():
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(model.SerializeToString())
        models.append(path)
    for case in all_cases():
        if case.name in ("tiny_cnn", "fusions", "pools") and "model.onnx" in case.files:
            path = tmp_path / f"{case.name}.onnx"
            path.write_bytes(case.files["model.onnx"])
            models.append(path)
    # a batch of 5 of the symbolic-batch CNN: whole rounds of one sample a thread, then the rest
    cnn = tmp_path / "batch_cnn.onnx"
    cnn.write_bytes(batch_cnn())
    models.append(f"{cnn}@5")
    res = subprocess.run([str(exe), *map(str, models)], capture_output=True, text=True, timeout=900,
                         env={"TSAN_OPTIONS": "halt_on_error=1:second_deadlock_stack=1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert "threads_test: 0 failure(s)" in res.stdout
    assert len(models) >= 6 and f"{cnn}@5: 0 failure(s)" in res.stdout
