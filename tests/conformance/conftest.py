"""pytest fixtures of the conformance suite (the pieces themselves are in suite.py)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from suite import Results  # noqa: E402


@pytest.fixture(scope="session")
def results(tmp_path_factory) -> Results:
    return Results(tmp_path_factory.mktemp("conformance"))
