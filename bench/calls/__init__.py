"""Per-call overhead of every binding: `python -m bench.calls` (bench/README.md)."""
