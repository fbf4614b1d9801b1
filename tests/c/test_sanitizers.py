"""The C API under AddressSanitizer + UndefinedBehaviorSanitizer, with hostile bytes."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from cases import all_cases  # noqa: E402


def test_api_and_mutations_under_sanitizers(tmp_path):
    exe = tmp_path / "api_test"
    subprocess.run(["gcc", "-std=c11", "-g", "-O1", "-fsanitize=address,undefined",
                    "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
                    "-I", str(ROOT / "generated" / "c"), str(ROOT / "tests" / "c" / "api_test.c"),
                    str(ROOT / "generated" / "c" / "predict.c"), "-lm", "-o", str(exe)], check=True)
    models = [ROOT / "tests" / "data" / "add_relu.onnx"]
    for case in all_cases():
        if "model.onnx" in case.files and case.name in ("tiny_cnn", "conv_groups_padding", "pools"):
            path = tmp_path / f"{case.name}.onnx"
            path.write_bytes(case.files["model.onnx"])
            models.append(path)
    res = subprocess.run([str(exe), *map(str, models)], capture_output=True, text=True, timeout=900,
                         env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert "api_test: 0 failure(s)" in res.stdout
