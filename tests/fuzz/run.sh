#!/usr/bin/env bash
# Builds the fuzz_load harness and fuzzes pred_model_load for SECONDS (default 60);
# with --run, the fuzz_run harness (valid models run at every kernel level) instead.
#
#   tests/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
#   tests/fuzz/run.sh --run [SECONDS] [extra libFuzzer flags...]
#
# It first runs every file of tests/fuzz/regressions/ once (inputs that once
# crashed or hung). Work files live outside the repository, in $PREDICT_FUZZ_DIR (default
# /tmp/predict-fuzz): the binary, seeds/ (written by seeds.py), corpus/ (grows
# from run to run), artifacts/ (crash-*, leak-*, timeout-* inputs) and onnx.dict;
# with --run: fuzz_run, corpus-run/ and artifacts-run/, no seeds, and it replays
# tests/fuzz/regressions-run/ instead.
# Uses generated/c/predict.c (or $PREDICT_FUZZ_C/predict.c): run
# `python3 -m bindgen all` after editing native/.
# Exit status: 0 clean, 77 when clang cannot build a fuzzer, else libFuzzer's.
set -euo pipefail
cd "$(dirname "$0")/../.."
HARNESS=fuzz_load
if [ "${1:-}" = --run ]; then
    HARNESS=fuzz_run
    shift
fi
SECONDS_TO_RUN=${1:-60}
shift || true
DIR=${PREDICT_FUZZ_DIR:-/tmp/predict-fuzz}
# Debian's clang with its compiler-rt (package libclang-rt-14-dev); not Swift's.
CLANG=${PREDICT_FUZZ_CC:-/usr/bin/clang}
SRC=${PREDICT_FUZZ_C:-generated/c}
mkdir -p "$DIR/corpus" "$DIR/artifacts"
DIR=$(cd "$DIR" && pwd)

if ! [ -x "$CLANG" ] || ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; (void)n; return 0; }' |
        "$CLANG" -x c -fsanitize=fuzzer,address,undefined - -o "$DIR/probe" 2>/dev/null; then
    echo "run.sh: $CLANG cannot build a libFuzzer binary (install clang and libclang-rt-14-dev)" >&2
    exit 77
fi

# A small element limit keeps a 100-byte model from asking the naive kernels
# for minutes of work; every size check runs the same code at any limit.
FLAGS=(-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -DPRED_MAX_ELEMENTS='((uint64_t)1 << 14)' -I "$SRC")
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "$HARNESS" = fuzz_run ]; then
    # includes predict.c itself, to switch kernel levels; writes its own models, so no seeds
    "$CLANG" "${FLAGS[@]}" tests/fuzz/fuzz_run.c -lm -pthread -o "$DIR/fuzz_run"
    mkdir -p "$DIR/corpus-run" "$DIR/artifacts-run"
    "$DIR/fuzz_run" -timeout=10 -rss_limit_mb=2048 tests/fuzz/regressions-run/*
    cd "$DIR"
    # a model takes about 100 bytes: fuzz lengths up to 256 from the start (libFuzzer would begin at 4)
    exec "$DIR/fuzz_run" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len=256 \
        -len_control=0 -artifact_prefix="$DIR/artifacts-run/" -print_final_stats=1 "$@" "$DIR/corpus-run"
fi

"$CLANG" "${FLAGS[@]}" tests/fuzz/fuzz_load.c "$SRC/predict.c" -lm -pthread -o "$DIR/fuzz_load"

# seeds and dictionary follow the current cases and op table
python3 tests/fuzz/seeds.py "$DIR"

# inputs that once crashed or hung: each must now pass, run once
"$DIR/fuzz_load" -timeout=10 -rss_limit_mb=2048 tests/fuzz/regressions/*
cd "$DIR" # with -jobs, libFuzzer writes fuzz-N.log into the current folder: not the repository
exec "$DIR/fuzz_load" -max_total_time="$SECONDS_TO_RUN" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$DIR/onnx.dict" -artifact_prefix="$DIR/artifacts/" -print_final_stats=1 \
    "$@" "$DIR/corpus" "$DIR/seeds"
