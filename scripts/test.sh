#!/usr/bin/env bash
# Installs what is missing, builds shmfb twice (normal, and with ASan+UBSan)
# with warnings as errors, runs the lint gates and the whole test suite in
# both builds.
#
#   bash scripts/test.sh              everything
#   bash scripts/test.sh --quick      normal build only, no sanitizers, no lint
#   bash scripts/test.sh -R core      extra arguments go to ctest
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"

quick=0
if [ "${1:-}" = "--quick" ]; then
    quick=1
    shift
fi
case "${1:-}" in
-h | --help)
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

bash scripts/deps.sh
jobs=$(nproc)

lint() {
    echo "== lint: clang-format, cppcheck"
    local files
    files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include common viewer tools tests bench examples -name '*.[ch]')
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files
    # shellcheck disable=SC2086
    cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
        --inline-suppr --suppress=missingIncludeSystem -D__GNUC__ -I include $files
}

run_suite() {
    local dir=$1
    shift
    echo "== configure $dir ($*)"
    cmake -S . -B "$dir" -DSHMFB_WERROR=ON -DSHMFB_REQUIRE_ALL_TESTS=ON "$@" >/dev/null
    echo "== build $dir"
    cmake --build "$dir" -j "$jobs" >/dev/null
    echo "== test $dir"
    (cd "$dir" && ctest --output-on-failure --timeout 300 "${CTEST_ARGS[@]}")
}

CTEST_ARGS=("$@")
if [ $quick -eq 0 ]; then
    lint
fi
run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $quick -eq 0 ]; then
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSHMFB_SANITIZE=ON
fi
echo "== all tests passed"
