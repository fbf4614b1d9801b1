"""bench/calls: the time of one set_input + run + get_output through the Python binding
(the installed `predict` package); see ../c/calls.c for the protocol.

The input is a C-contiguous float32 NumPy array, which set_input reads in place (buffer
protocol, no copy); get_output(0, out=y) has C write into the float32 array y (no copy,
no allocation).

    python calls.py model.onnx N
"""

import sys
import time

import numpy as np

import predict


def main():
    if len(sys.argv) != 3:
        print("usage: calls.py model.onnx N", file=sys.stderr)
        return 2
    n = int(sys.argv[2])
    with predict.Model.load_file(sys.argv[1]) as model, predict.Session(model) as session:
        session.set_threads(1)
        if session.input_size(0) != n or session.output_size(0) != n:
            print(f"calls (Python): the model's input or output is not {n} floats", file=sys.stderr)
            return 1
        x = ((np.arange(n) % 251 - 125) / 8).astype(np.float32)
        y = np.empty(n, np.float32)

        def call():
            session.set_input(0, x)
            session.run()
            return session.get_output(0, out=y)

        call()
        print("ready python", flush=True)
        perf_counter_ns = time.perf_counter_ns
        for line in sys.stdin:
            cmd, _, arg = line.strip().partition(" ")
            if cmd == "time":
                k = int(arg)
                t0 = perf_counter_ns()
                for _ in range(k):  # the calls as users write them
                    session.set_input(0, x)
                    session.run()
                    session.get_output(0, out=y)
                t1 = perf_counter_ns()
                print(f"ns {t1 - t0}", flush=True)
            elif cmd == "check":
                call().tofile(arg)
                print("ok", flush=True)
            elif cmd == "quit":
                break
            else:
                print(f"calls (Python): unknown command: {line.strip()}", file=sys.stderr)
                return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
