"""Make tools/predict_models importable from the source tree and register `slow`."""

import pathlib
import sys

TOOLS = pathlib.Path(__file__).resolve().parents[2] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than 20 s")
