"""The C API under AddressSanitizer + UndefinedBehaviorSanitizer, with hostile bytes."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "conformance"))

from cases import all_cases, write_files  # noqa: E402


def sanitizers_work(cc: str, tmp_path: Path, sanitizers: str = "address,undefined") -> bool:
    """clang needs its compiler-rt runtimes (Debian: libclang-rt-14-dev) for -fsanitize."""
    probe = tmp_path / "probe.c"
    probe.write_text("int main(void) { return 0; }\n")
    return subprocess.run([cc, f"-fsanitize={sanitizers}", str(probe), "-o", str(tmp_path / "probe")],
                          capture_output=True).returncode == 0


# gcc and clang instrument differently (and clang's UBSan checks a few more things)
@pytest.mark.parametrize("cc", ["gcc", "/usr/bin/clang"], ids=["gcc", "clang"])
def test_api_and_mutations_under_sanitizers(tmp_path, cc):
    if not sanitizers_work(cc, tmp_path):
        pytest.skip(f"{cc} cannot link -fsanitize=address,undefined (clang: install libclang-rt-14-dev)")
    exe = tmp_path / "api_test"
    subprocess.run([cc, "-std=c11", "-g", "-O1", "-fsanitize=address,undefined",
                    "-fno-sanitize-recover=all", "-fno-omit-frame-pointer",
                    "-I", str(ROOT / "generated" / "c"), str(ROOT / "tests" / "c" / "api_test.c"),
                    str(ROOT / "generated" / "c" / "predict.c"), "-lm", "-pthread", "-o", str(exe)], check=True)
    models = [ROOT / "tests" / "data" / "add_relu.onnx"]
    for case in all_cases():
        if case.name.startswith("external_data_"):  # a model with its data files, in a folder of its own
            write_files(case.files, tmp_path / case.name)
            models.append(tmp_path / case.name / case.steps[0]["path"])
        elif "model.onnx" in case.files and case.name in ("tiny_cnn", "conv_groups_padding", "pools", "fusions",
                                                          "nhwc_transposes", "split_omitted_output"):
            path = tmp_path / f"{case.name}.onnx"
            path.write_bytes(case.files["model.onnx"])
            models.append(path)
    res = subprocess.run([str(exe), *map(str, models)], capture_output=True, text=True, timeout=900,
                         env={"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1", "PATH": "/usr/bin:/bin"})
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-5000:]
    assert "api_test: 0 failure(s)" in res.stdout
