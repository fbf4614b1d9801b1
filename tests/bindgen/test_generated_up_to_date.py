"""The committed generated/ tree is exactly what bindgen makes from the sources."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bindgen_all_check():
    res = subprocess.run([sys.executable, "-m", "bindgen", "all", "--check"], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
