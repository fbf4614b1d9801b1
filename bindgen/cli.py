"""bindgen: generate idiomatic bindings for an annotated C header.

    bindgen all [--check] [LANG ...]   regenerate (or check) the bindings
    bindgen ir                         print the IR as JSON
    bindgen report                     what is bound, and what is skipped and why

Configuration: the [tool.bindgen] table of the nearest pyproject.toml, or a
standalone file with the same keys at top level (--config bindgen.toml):

    name = "mylib"                 # library name
    header = "include/mylib.h"     # the annotated header
    prefix = "mylib_"              # stripped from C names
    sources = ["src/mylib.c"]      # C files packages compile (or native= to amalgamate)
    output = "generated"           # <output>/<lang>/ unless [<lang>] output= says otherwise
    languages = ["python"]
    [python]
    package = "mylib"

A header you cannot edit takes its annotations from an overlay (overlay =
"FILE" or an [overlay] table: C name, NAME.PARAM or glob -> annotation text);
header = "<zlib.h>" reads a system header through the C preprocessor. Then
declarations that cannot be bound as they are are skipped: `bindgen report`.

Errors in the header, its annotations or the configuration exit 2 as
`file:line: message`. The annotation language is below and, with examples,
in bindgen/README.md.
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path

from .annotations import PARAM_ATTRS, RETURN_ATTRS, TAGS, BindgenError
from .config import load_config

# the modules of bindgen's dependencies (the `bindgen` extra) -> their PyPI names
GENERATOR_MODULES = {"jinja2": "Jinja2", "pycparser": "pycparser"}

DECLARATIONS = """\
declarations (each needs a doc comment; anything else is an error at its line):
  #define X_NAME literal            a constant: integer, floating-point or string
  typedef enum x_e {...} x_e;        an enum (@flags: a bit set; @errors: the status enum)
  typedef struct x_s {...} x_s;      a struct with scalar, enum and struct fields: a value
  typedef struct x_h x_h;            an opaque handle (@handle free=FUNCTION)
  typedef R (*x_fn)(void *ud, ...);  a callback (one parameter marked [user_data])
  R x_function(...);                 a function (name starts with the prefix)
"""

EXAMPLE = """\
example:
  /** Status of every call. @errors ok=MY_OK closed=MY_ERR_CLOSED */
  typedef enum my_status { MY_OK = 0, MY_ERR_ARG = 1, MY_ERR_CLOSED = 2 } my_status;
  /** A parser. @handle free=my_parser_free */
  typedef struct my_parser my_parser;
  /** Frees a parser. @param parser [nullable] The parser. */
  void my_parser_free(my_parser *parser);
  /** Frees a string the library returned. @param s The string. */
  void my_string_free(char *s);
  /**
   * Called for each token, possibly from a worker thread.
   * @param user_data [user_data] What my_parser_run() was given.
   * @param token The token, valid during the call.
   * @return false to stop.
   */
  typedef bool (*my_token_fn)(void *user_data, const char *token);
  /**
   * Parses text, calling back for every token.
   * @param parser The parser.
   * @param[in] text [count=size] UTF-8 bytes.
   * @param size Number of bytes.
   * @param fn [user_data=ctx] Receives the tokens.
   * @param ctx Passed to fn.
   * @param[out] summary [owned, free=my_string_free] Receives a summary.
   * @return MY_OK; MY_ERR_ARG for malformed text.
   * @blocking
   */
  my_status my_parser_run(my_parser *parser, const uint8_t *text, size_t size,
                          my_token_fn fn, void *ctx, char **summary);
"""


def annotation_help() -> str:
    """The annotation language, from the tables in annotations.py (one source)."""
    def rows(table: dict, indent: str) -> list[str]:
        out = []
        for syntax, meaning in table.values():
            out.append(indent + syntax)
            out += textwrap.wrap(meaning, 92, initial_indent=indent + "    ",
                                 subsequent_indent=indent + "    ")
        return out
    lines = ["annotations (in the /** */ comment above each declaration):"]
    lines += rows(TAGS, "  ")
    lines += ["parameter attributes (@param NAME [a, b=c] text):"] + rows(PARAM_ATTRS, "  ")
    lines += ["return attributes (@return [a, b=c] text):"] + rows(RETURN_ATTRS, "  ")
    return DECLARATIONS + "\n" + "\n".join(lines) + "\n\n" + EXAMPLE


def report(api) -> str:
    """What `bindgen report` prints: the bound declarations by kind, then the skipped ones."""
    kinds = [("functions", api.functions), ("handles", api.handles), ("structs", api.structs),
             ("enums", api.enums), ("callbacks", api.callbacks), ("constants", api.constants)]
    lines = [f"{api.header}: bound"]
    for kind, items in kinds:
        if items:
            lines.append(f"  {len(items)} {kind}: " + ", ".join(x.name for x in items))
    lines.append(f"skipped: {len(api.skipped)}" + (" (annotate them to bind them)" if api.skipped else ""))
    lines += [f"  {s.name}  {s.coord}: {s.reason}" for s in api.skipped]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bindgen", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=annotation_help())
    ap.add_argument("--config", type=Path, metavar="FILE",
                    help="pyproject.toml with [tool.bindgen], or a standalone bindgen.toml "
                         "(default: the nearest pyproject.toml)")
    ap.add_argument("--output", type=Path, metavar="DIR",
                    help="write every language under DIR/<lang>/ instead of the configured folders")
    sub = ap.add_subparsers(dest="command", required=True)
    a = sub.add_parser("all", help="regenerate every language (or only the named ones)")
    a.add_argument("languages", nargs="*", help="languages to generate (default: all configured)")
    a.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 listing every stale or missing file")
    sub.add_parser("ir", help="print the IR of the header as JSON")
    sub.add_parser("report", help="list what the bindings hold and every declaration skipped, "
                                  "with the reason (a header with an overlay, or a system header)")
    args = ap.parse_args(argv)
    try:
        # the parser and the templates are the generator's dependencies, an extra of the
        # predict distribution: `bindgen --help` works without them, a command says what is missing
        from . import render
    except ModuleNotFoundError as e:
        if e.name not in GENERATOR_MODULES:
            raise
        print(f"bindgen: error: bindgen needs {GENERATOR_MODULES[e.name]}, which is not installed: "
              "pip install 'predict[bindgen]' (pycparser and Jinja2)", file=sys.stderr)
        return 2
    try:
        cfg = load_config(file=args.config, output=args.output)
        if args.command == "ir":
            json.dump(render.load_api(cfg).to_json(), sys.stdout, indent=2)
            print()
            return 0
        if args.command == "report":
            print(report(render.load_api(cfg)), end="")
            return 0
        languages = cfg.select(args.languages)
        files = render.render(cfg, languages)

        def show(path: Path) -> Path:
            return path.relative_to(cfg.root) if path.is_relative_to(cfg.root) else path
        if args.check:
            problems = render.stale(cfg, files, languages)
            for reason, path in problems:
                print(f"{reason}: {show(path)}")
            if problems:
                print(f"bindgen: {len(problems)} generated file(s) out of date; run 'bindgen all'",
                      file=sys.stderr)
                return 1
            print(f"bindgen: {len(files)} generated files up to date")
            return 0
        changed = render.write(cfg, files, languages)
        for path in changed:
            print(f"wrote {show(path)}")
        print(f"bindgen: {len(files)} files, {len(changed)} changed")
        return 0
    except BindgenError as e:
        print(f"bindgen: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
