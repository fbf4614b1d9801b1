"""Benchmark harness: predict against onnxruntime, OpenVINO and tract (bench/README.md)."""
