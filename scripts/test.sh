#!/usr/bin/env bash
# Installs what is missing, builds shmfb twice (normal, and with ASan+UBSan)
# with warnings as errors, runs the lint gates and the whole test suite in
# both builds, then fuzzes the library for a bounded time (libFuzzer, ASan
# and UBSan, a clang build of its own; SHMFB_FUZZ_SECONDS, default 60).
#
#   bash scripts/test.sh              everything
#   bash scripts/test.sh --quick      normal build only, no sanitizers, no lint, no fuzzing
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
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
esac

bash scripts/deps.sh
jobs=$(nproc)

lint() {
    echo "== lint: clang-format, cppcheck"
    local files
    files=$(git ls-files '*.c' '*.h' 2>/dev/null || find src include common viewer tools tests bench vm examples -name '*.[ch]')
    # shellcheck disable=SC2086
    clang-format --dry-run --Werror $files
    # shellcheck disable=SC2086
    cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
        --inline-suppr --suppress=missingIncludeSystem -D__GNUC__ --library=gtk -I include $files
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

# The libFuzzer harness of tests/fuzz/ over a copy of its seed corpus; a
# crash leaves its input in build-fuzz/ and fails the gate.
fuzz() {
    local dir=build-fuzz seconds=${SHMFB_FUZZ_SECONDS:-60} corpus rc=0
    echo "== fuzz $dir ($seconds s)"
    cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DSHMFB_FUZZ=ON -DSHMFB_WERROR=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$dir" -j "$jobs" --target shmfb_fuzz >/dev/null
    corpus=$(mktemp -d)
    cp tests/fuzz/corpus/* "$corpus"/
    "$dir/tests/fuzz/shmfb_fuzz" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$dir/" "$corpus" >"$dir/fuzz.log" 2>&1 || rc=$?
    if [ $rc -ne 0 ]; then
        tail -40 "$dir/fuzz.log"
        echo "fuzz: failed, see $dir/fuzz.log and the input saved in $dir/"
        rm -rf "$corpus"
        return 1
    fi
    echo "fuzz: $(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log") executions" \
        "in $seconds s, corpus $(find "$corpus" -type f | wc -l) inputs" \
        "($(($(du -sb "$corpus" | cut -f1) / 1024)) KB; seeds: $(find tests/fuzz/corpus -type f | wc -l))"
    rm -rf "$corpus"
}

CTEST_ARGS=("$@")
if [ $quick -eq 0 ]; then
    lint
fi
# The two long hostile-client cases (vnc_fuzz, vnc_cycles: 70 s) look for
# leaks and memory errors: the full gate runs them in the sanitizer build
# only, where they can find them.
if [ $quick -eq 0 ] && [ ${#CTEST_ARGS[@]} -eq 0 ]; then
    CTEST_ARGS=(-E '^vnc_(fuzz|cycles)$')
    run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
    CTEST_ARGS=()
else
    run_suite build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
if [ $quick -eq 0 ]; then
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
        UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DSHMFB_SANITIZE=ON
    fuzz
fi
echo "== all tests passed"
