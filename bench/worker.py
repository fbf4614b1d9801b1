"""The worker of one peer engine (onnxruntime, openvino, tract): one process each.

    python3 bench/worker.py ENGINE MODEL THREADS OUTDIR SHAPE FILE [SHAPE FILE ...]

The same protocol as bench/runner.c (the predict worker): load the model (timed), feed
the raw float32 inputs, run once, write OUTDIR/<engine>_out<i>.bin and print

    @@ {"load_ms": ..., "rss_kb": ..., "outputs": [[dims], ...], "version": ..., "notes": [...]}

then answer `run N` (-> @@ {"ms": [...]}), `rss` and `quit` read from stdin. Each call
timed is what a user of the engine's Python API writes for one inference: feed the
inputs, run, get the outputs as NumPy arrays. This file imports only NumPy and its own
engine, so that no other runtime sits in the process (OpenVINO's runtime loaded beside
another engine slowed that engine about 3x).
"""

import importlib
import json
import resource
import sys
import time

import numpy as np


def emit(obj):
    sys.stdout.write("@@ " + json.dumps(obj) + "\n")
    sys.stdout.flush()


def rss_kb():
    """Peak resident set size of this process, KiB: VmHWM, since ru_maxrss keeps the
    parent's (the harness's) peak across fork and exec."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class OnnxRuntime:
    module = "onnxruntime"

    def __init__(self, path, threads, shapes):
        import onnxruntime as ort
        self.version = ort.__version__
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        self.session = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        self.notes = [f"intra_op_num_threads={threads}, inter_op_num_threads=1, sequential"]

    def prepare(self, inputs):
        self.feeds = dict(zip(self.names, inputs))

    def run(self):
        return self.session.run(None, self.feeds)


class OpenVINO:
    module = "openvino"

    def __init__(self, path, threads, shapes):
        import openvino as ov
        self.version = ov.get_version()
        core = ov.Core()
        model = core.read_model(path)
        model.reshape({p.get_any_name(): ov.PartialShape(s) for p, s in zip(model.inputs, shapes)})
        # f32: on CPUs with AVX512-BF16 or AMX, OpenVINO's default precision is bf16
        config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                  "NUM_STREAMS": 1, "INFERENCE_PRECISION_HINT": "f32"}
        self.compiled = core.compile_model(model, "CPU", config)
        self.request = self.compiled.create_infer_request()
        self.n_out = len(self.compiled.outputs)
        self.notes = [f"CPU plugin, INFERENCE_NUM_THREADS={threads}, PERFORMANCE_HINT=LATENCY, "
                      "NUM_STREAMS=1, INFERENCE_PRECISION_HINT=f32"]

    def prepare(self, inputs):
        self.feeds = {i: x for i, x in enumerate(inputs)}

    def run(self):
        result = self.request.infer(self.feeds)  # copies the outputs (share_outputs=False)
        return [result[i] for i in range(self.n_out)]


class Tract:
    module = "tract"

    def __init__(self, path, threads, shapes):
        import tract
        self.version = tract.version()
        model = tract.onnx().load(path)
        symbols = {}
        for i, s in enumerate(shapes):
            # keep the model's symbols (say "batch") and bind them after typing: fixing the
            # input to 1 conflicts with value_info that says "batch" (PyTorch's dynamo export)
            declared = str(model.input_fact(i)).split(",")[:-1]
            if len(declared) == len(s):
                fixed = [d if d.strip().isdigit() else None for d in declared]
                symbols.update({d.strip(): v for d, f, v in zip(declared, fixed, s) if f is None})
                model.set_input_fact(i, ",".join(d.strip() if f is None else str(v)
                                                 for d, f, v in zip(declared, fixed, s)) + ",f32")
            else:
                model.set_input_fact(i, ",".join(map(str, s)) + ",f32")
        typed = model.into_model()
        if symbols:
            typed.transform(tract.SetSymbols(symbols))
        # into_runnable() uses the default CPU runtime, which optimizes the model
        self.runnable = typed.into_runnable()
        self.state = self.runnable.spawn_state()
        self.notes = ["tract has no thread option: single-threaded whatever --threads"] \
            if threads != 1 else []

    def prepare(self, inputs):
        self.inputs = inputs

    def run(self):
        return [t.to_numpy() for t in self.state.run(self.inputs)]


ENGINES = {"onnxruntime": OnnxRuntime, "openvino": OpenVINO, "tract": Tract}


def main(argv):
    engine, path, threads, outdir = argv[1], argv[2], int(argv[3]), argv[4]
    shapes = [[int(d) for d in s.split("x")] for s in argv[5::2]]
    files = argv[6::2]
    try:
        importlib.import_module(ENGINES[engine].module)  # not part of the load time
        t0 = time.perf_counter()
        e = ENGINES[engine](path, threads, shapes)
        load_ms = (time.perf_counter() - t0) * 1e3
        inputs = [np.fromfile(f, np.float32).reshape(s) for f, s in zip(files, shapes)]
        e.prepare(inputs)
        outs = [np.asarray(o, np.float32) for o in e.run()]
    except Exception as ex:  # refused model or broken install: report, do not crash the harness
        emit({"error": f"{type(ex).__name__}: {ex}".strip()[:2000]})
        return 1
    for i, o in enumerate(outs):
        np.ascontiguousarray(o).tofile(f"{outdir}/{engine}_out{i}.bin")
    emit({"load_ms": load_ms, "rss_kb": rss_kb(), "outputs": [list(o.shape) for o in outs],
          "version": str(e.version), "notes": e.notes})
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "run":
            ms = []
            run = e.run
            for _ in range(int(cmd[1])):
                t = time.perf_counter_ns()
                run()
                ms.append((time.perf_counter_ns() - t) / 1e6)
            emit({"ms": ms})
        elif cmd[0] == "rss":
            emit({"rss_kb": rss_kb()})
        elif cmd[0] == "quit":
            break
        else:
            emit({"error": "unknown command"})
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "baseline":  # RSS of Python + NumPy alone
        emit({"rss_kb": rss_kb()})
        sys.exit(0)
    sys.exit(main(sys.argv))
