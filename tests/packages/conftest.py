"""The counts of each package's own test suite (go test, JUnit, XCTest, node --test), which
pytest sees as one item per language: printed in a section of the terminal summary."""
import pytest

_COUNTS = pytest.StashKey[dict]()


@pytest.fixture
def suite_counts(request) -> dict[str, str]:
    """language -> what its own runner reported, e.g. "57 tests passed"."""
    return request.config.stash.setdefault(_COUNTS, {})


def pytest_terminal_summary(terminalreporter, config):
    counts = config.stash.get(_COUNTS, {})
    if counts:
        terminalreporter.section("package suites (each language's own runner)")
        for lang, text in counts.items():
            terminalreporter.write_line(f"{lang}: {text}")
