#!/usr/bin/env bash
# Builds FOTA Station with AddressSanitizer + UBSan and -Werror, then runs the whole
# test suite with ctest. This is README's test command and what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DFOTA_SANITIZE=ON -DFOTA_WERROR=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" --timeout 300
