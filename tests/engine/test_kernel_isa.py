"""PRED_ISA forces the portable kernels, and pred_kernel_isa() says which level runs."""
import os
import subprocess
import sys

import predict


def test_the_level_in_use_is_named():
    assert predict.kernel_isa() in ("scalar", "avx2", "neon")
    if os.environ.get("PRED_ISA") == "scalar":
        assert predict.kernel_isa() == "scalar"


def test_pred_isa_scalar_forces_the_portable_level():
    out = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                         capture_output=True, text=True, env={**os.environ, "PRED_ISA": "scalar"}).stdout
    assert out.strip() == "scalar"


def test_an_unknown_or_higher_level_is_ignored():
    """PRED_ISA may only lower the level: a name it does not know leaves the detected one."""
    out = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                         capture_output=True, text=True, env={**os.environ, "PRED_ISA": "avx9000"}).stdout
    env_free = {k: v for k, v in os.environ.items() if k != "PRED_ISA"}
    detected = subprocess.run([sys.executable, "-c", "import predict; print(predict.kernel_isa())"], check=True,
                              capture_output=True, text=True, env=env_free).stdout
    assert out.strip() == detected.strip()
