"""Assemble the browser demo into one folder to serve, and serve it.

    python examples/web/build.py                 # -> build/web/
    python examples/web/build.py --serve         # then serve it on http://127.0.0.1:8000/
    make web                                     # the same as --serve, after `bindgen all`

The folder holds the page (index.html, app.js, style.css from this directory), predict/ (the
JavaScript package of generated/js: predict.js, predict_web.mjs, predict.wasm), the
EfficientNet-Lite0 model from the model cache (converted there first, as `predict-models fetch
lite0` does, when it is missing) and the ImageNet class names. generated/js is rebuilt with
its build.sh (emscripten) when its .wasm is older than what it is made of.
"""
from __future__ import annotations

import argparse
import functools
import os
import shutil
import subprocess
import sys
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PACKAGE = ROOT / "generated" / "js"
PAGE = ["index.html", "app.js", "style.css"]
LABELS = ROOT / "tests" / "templates" / "imagenet_classes.txt"   # what every classify program prints
MODEL = "lite0"

sys.path.insert(0, str(ROOT / "tools"))
from predict_models import cache  # noqa: E402


def wasm_is_stale() -> bool:
    wasm = PACKAGE / "predict.wasm"
    if not wasm.exists() or not (PACKAGE / "predict_web.mjs").exists():
        return True
    inputs = [PACKAGE / "build.sh", *(PACKAGE / "csrc").iterdir()]
    return any(p.stat().st_mtime > wasm.stat().st_mtime for p in inputs)


def build_wasm() -> None:
    if shutil.which(os.environ.get("EMCC", "emcc")) is None:
        raise SystemExit("web: emcc not found: install emscripten (tools/setup.sh, or apt-get install "
                         "emscripten node-acorn)")
    print("web: building generated/js (sh build.sh)", file=sys.stderr, flush=True)
    # Debian's emscripten finds acorn, which its optimizer needs, only through NODE_PATH
    env = dict(os.environ, NODE_PATH=os.environ.get("NODE_PATH", "/usr/share/nodejs"))
    if subprocess.run(["sh", "build.sh"], cwd=PACKAGE, env=env, stdout=sys.stderr).returncode != 0:
        raise SystemExit("web: generated/js/build.sh failed")


def model() -> Path:
    path = cache.model_path(MODEL)
    if not path.exists():
        print(f"web: {path} is missing: converting it (predict-models fetch {MODEL})", file=sys.stderr)
        cache.fetch(MODEL)
    return path


def copy(src: Path, dest: Path) -> None:
    """src to dest, unless dest is already a copy of it (same size and time)."""
    if dest.exists() and (dest.stat().st_size, dest.stat().st_mtime_ns) == (src.stat().st_size, src.stat().st_mtime_ns):
        return
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dest)


def assemble(out: Path) -> Path:
    """The folder `out`, holding everything the page loads."""
    if wasm_is_stale():
        build_wasm()
    for name in PAGE:
        copy(HERE / name, out / name)
    for name in ["predict.js", "predict_web.mjs", "predict.wasm"]:
        copy(PACKAGE / name, out / "predict" / name)
    copy(model(), out / "models" / f"efficientnet-{MODEL}.onnx")
    copy(LABELS, out / "imagenet_classes.txt")
    return out


class Handler(SimpleHTTPRequestHandler):
    """Static files, revalidated on every load so that a rebuilt folder shows at once."""

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


def server(folder: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """An HTTP server of `folder` (port 0: a free one); call serve_forever() on it."""
    return ThreadingHTTPServer((host, port), functools.partial(Handler, directory=str(folder)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "web", help="the folder to fill (default build/web)")
    ap.add_argument("--serve", action="store_true", help="serve the folder after assembling it")
    ap.add_argument("--host", default="127.0.0.1", help="the address to serve on (default 127.0.0.1; "
                    "browsers give the camera to http pages on localhost only)")
    ap.add_argument("--port", type=int, default=8000)
    args = ap.parse_args()
    out = assemble(args.out.resolve())
    print(f"web: {out} is ready")
    if args.serve:
        with server(out, args.host, args.port) as httpd:
            host, port = httpd.server_address[:2]
            print(f"web: serving it on http://{host}:{port}/ (Ctrl-C stops)", flush=True)
            try:
                httpd.serve_forever()
            except KeyboardInterrupt:
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
