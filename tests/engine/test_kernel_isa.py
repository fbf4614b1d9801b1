"""PRED_ISA forces the portable kernels, and pred_kernel_isa() says which level runs."""
import os
import subprocess
import sys

import predict


def test_the_level_in_use_is_named():
    assert predict.kernel_isa() in ("scalar", "avx2", "avx512", "neon", "wasm128")
    if os.environ.get("PRED_ISA") == "scalar":
        assert predict.kernel_isa() == "scalar"


def test_pred_isa_scalar_forces_the_portable_level():
    out = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                         capture_output=True, text=True, env={**os.environ, "PRED_ISA": "scalar"}).stdout
    assert out.strip() == "scalar"


def test_pred_isa_names_any_lower_level():
    """On a CPU with AVX-512, PRED_ISA=avx2 runs the AVX2 level (a level between scalar and the best)."""
    if predict.kernel_isa() != "avx512":
        import pytest
        pytest.skip("the level in use is not avx512 (this CPU lacks it, or PRED_ISA forces a lower one)")
    out = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                         capture_output=True, text=True, env={**os.environ, "PRED_ISA": "avx2"}).stdout
    assert out.strip() == "avx2"


def test_an_unknown_or_higher_level_is_ignored():
    """PRED_ISA may only lower the level: a name it does not know leaves the detected one."""
    out = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                         capture_output=True, text=True, env={**os.environ, "PRED_ISA": "avx9000"}).stdout
    env_free = {k: v for k, v in os.environ.items() if k != "PRED_ISA"}
    detected = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                              capture_output=True, text=True, env=env_free).stdout
    assert out.strip() == detected.strip()
