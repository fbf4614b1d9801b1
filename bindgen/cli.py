"""bindgen: generate idiomatic bindings for an annotated C header.

    bindgen all [--check] [LANG ...]   regenerate (or check) generated/<lang>/
    bindgen ir                         print the IR as JSON

Configuration is the [tool.bindgen] table of the nearest pyproject.toml
(see bindgen/config.py); the annotation language is in bindgen/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import render
from .annotations import BindgenError
from .config import load_config

ANNOTATIONS = """\
annotations (in the /** */ comment before each declaration):
  @param[in|out|in,out] NAME [ATTRS] text
      count=P          P holds the element count of this array (hidden in bindings)
      alloc=N|f(a,b)   [out] array: the binding allocates N (a constant) or f(a,b) elements
      length=P         [out] array: P receives how many elements were written (hidden)
      owned            [out] T **: the caller owns the new handle
      nullable         the handle or string may be NULL
      retained         the result keeps this handle alive (child keeps parent)
      blocking         the call may take long: bindings release their runtime lock
  @return [static|borrowed|owned, error_if_null=STATUS] text
  @errors ok=MEMBER closed=MEMBER     on the status enum
  @handle free=FUNCTION               on an opaque struct typedef
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bindgen", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=ANNOTATIONS)
    ap.add_argument("--config", type=Path, help="pyproject.toml with [tool.bindgen] (default: nearest)")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("all", help="regenerate every language (or only the named ones)")
    a.add_argument("languages", nargs="*", help="languages to generate (default: all configured)")
    a.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 listing every stale or missing file")
    sub.add_parser("ir", help="print the IR of the header as JSON")
    args = ap.parse_args(argv)
    try:
        cfg = load_config(file=args.config)
        if args.command == "ir":
            json.dump(render.load_api(cfg).to_json(), sys.stdout, indent=2)
            print()
            return 0
        languages = args.languages or cfg.languages
        unknown = [lang for lang in languages if lang not in cfg.languages]
        if unknown:
            ap.error(f"unknown language(s) {', '.join(unknown)}; configured: {', '.join(cfg.languages)}")
        files = render.render(cfg, languages)
        if args.check:
            problems = render.stale(cfg, files, languages)
            for reason, path in problems:
                print(f"{reason}: {path.relative_to(cfg.root)}")
            if problems:
                print(f"bindgen: {len(problems)} generated file(s) out of date; run 'bindgen all'",
                      file=sys.stderr)
                return 1
            print(f"bindgen: {len(files)} generated files up to date")
            return 0
        changed = render.write(cfg, files, languages)
        for path in changed:
            print(f"wrote {path.relative_to(cfg.root)}")
        print(f"bindgen: {len(files)} files, {len(changed)} changed")
        return 0
    except BindgenError as e:
        print(f"bindgen: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
