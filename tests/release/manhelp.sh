#!/usr/bin/env bash
# A program's manual page and its --help name the same options: every short
# (-x) and long (--name) option of the help is in the page's SYNOPSIS or
# OPTIONS section (for shmfb(1) also: each command's section against
# 'shmfb COMMAND --help') and every option there is in the help.
#
#   manhelp.sh PAGE.scd PROGRAM [COMMAND...]   check the page
#   manhelp.sh --selftest PAGE.scd PROGRAM     the check fails for a page
#                                              that lost or gained an option
set -euo pipefail

# The options a text names, one per line, sorted.
options_in() {
    { grep -oE -- '--[a-z][a-z0-9-]*' || true; } <<<"$1"
    { grep -oE -- '(^|[][ ,(|*`])-[A-Za-z]([^A-Za-z0-9-]|$)' || true; } <<<"$1" |
        grep -oE -- '-[A-Za-z]'
}

# The text of sections of a scdoc page: each "# TITLE" or "## TITLE" named
# (TITLE|TITLE...) up to the next heading.
section() {
    awk -v want="^($2)\$" '
        /^#/ { on = ($0 ~ want); next }
        on { print }' "$1"
}

# check PAGE PROGRAM HEADINGS [COMMAND]: compares sections with one --help.
check() {
    local page=$1 prog=$2 heading=$3 help text bad=0
    shift 3
    help=$("$prog" "$@" --help)
    text=$(section "$page" "$heading")
    if [ -z "$text" ]; then
        echo "$(basename "$page"): no section '$heading'"
        return 1
    fi
    local in_help in_page
    in_help=$(options_in "$help" | sort -u)
    in_page=$(options_in "$text" | sort -u)
    while read -r o; do
        [ -n "$o" ] || continue
        echo "$(basename "$page"): '$heading' lacks $o of '$(basename "$prog")${*:+ $*} --help'"
        bad=1
    done < <(comm -23 <(echo "$in_help") <(echo "$in_page"))
    while read -r o; do
        [ -n "$o" ] || continue
        echo "$(basename "$page"): '$heading' names $o, which '$(basename "$prog")${*:+ $*} --help' lacks"
        bad=1
    done < <(comm -13 <(echo "$in_help") <(echo "$in_page"))
    if [ $bad -eq 0 ]; then
        echo "ok: $(basename "$page") '$heading': $(echo "$in_help" | wc -l) options, as in" \
            "'$(basename "$prog")${*:+ $*} --help'"
    fi
    return $bad
}

check_page() {
    local page=$1 prog=$2 status=0 cmd
    shift 2
    check "$page" "$prog" "# SYNOPSIS|# OPTIONS" || status=1
    for cmd in "$@"; do
        check "$page" "$prog" "## $cmd" "$cmd" || status=1
    done
    return $status
}

# A copy of the page without the first option the help names, and one with
# an option no program has: each must fail, saying which.
selftest() {
    local page=$1 prog=$2 work out first status=0
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    check_page "$page" "$prog" >/dev/null
    first=$(options_in "$("$prog" --help)" | grep -- '^--' | grep -v -- '--help' | head -1)
    grep -v -- "^\*.*\*${first}\*" "$page" >"$work/lost.scd"
    if out=$(check_page "$work/lost.scd" "$prog"); then
        echo "FAIL: the check passed for a page without $first"
        status=1
    elif ! grep -q "lacks $first of" <<<"$out"; then
        echo "FAIL: the check did not name $first: $out"
        status=1
    else
        echo "ok: a page without $first fails: $out"
    fi
    sed 's/^# OPTIONS$/&\n\n*--frobnicate*\n\tNo such option./' "$page" >"$work/gained.scd"
    if out=$(check_page "$work/gained.scd" "$prog"); then
        echo "FAIL: the check passed for a page naming --frobnicate"
        status=1
    elif ! grep -q "names --frobnicate, which" <<<"$out"; then
        echo "FAIL: the check did not name --frobnicate: $out"
        status=1
    else
        echo "ok: a page naming --frobnicate fails: $out"
    fi
    return $status
}

if [ "${1:-}" = --selftest ]; then
    shift
    selftest "$@"
else
    check_page "$@"
fi
