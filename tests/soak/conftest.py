"""Register the `soak` marker (the soak runs in the normal `python -m pytest`; `-m soak` picks it)."""


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "soak: load/run/close cycles in every binding, with RSS and thread checks")
