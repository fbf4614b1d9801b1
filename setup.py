"""Declares the Cython extension of the `predict` package; everything else is in pyproject.toml.

The extension compiles bindgen's output: the binding (generated/python/predict/_predict.pyx)
and the single-file library (generated/c/predict.c). Run `python -m bindgen all` first
when the header or the engine changed. The version is the library's, PRED_VERSION of the
header, which every package and pred_version() report: it is set there and nowhere else.
"""
import re
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

extension = Extension(
    "predict._predict",
    ["generated/python/predict/_predict.pyx", "generated/c/predict.c"],
    include_dirs=["generated/c", numpy.get_include()],
    extra_compile_args=["-std=c11", "-O2"],
    # the engine uses libm and POSIX threads; Python usually has both loaded, but say so
    libraries=["m", "pthread"],
)

# the single file's copy of the header: an sdist carries it (MANIFEST.in), native/ it does not
HEADER = Path(__file__).resolve().parent / "generated" / "c" / "predict.h"
VERSION = re.search(r'#define\s+PRED_VERSION\s+"([^"]+)"', HEADER.read_text()).group(1)

setup(
    version=VERSION,
    ext_modules=cythonize([extension], language_level=3),
    # Cython's C output sits beside the .pyx; the wheel needs only the compiled module
    exclude_package_data={"predict": ["*.c"]},
)
