#!/usr/bin/env bash
# Builds every fuzz target once, replays each target's committed regression inputs, then fuzzes each target for the
# given time from a scratch copy of its seed corpus (the committed corpus stays small).
#
#   Tests/Fuzz/run.sh [seconds per target, default 60] [targets...]
#
# Exits non-zero if a regression input fails or fuzzing finds a crash; crash inputs are copied to
# Tests/Fuzz/Crashes/<Target>/ with a .txt note holding the failure and the command that reproduces it.
set -uo pipefail

cd "$(dirname "$0")"
here=$(pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
all_targets=(FuzzHTTPParser FuzzHTTPResponse FuzzAPIBodies FuzzTemplates FuzzCatalogLoader FuzzEntities FuzzRedaction FuzzJWS FuzzRateLimits)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all_targets[@]}")

build=.build-fuzz
export SWIFT_BACKTRACE=enable=no
# LeakSanitizer takes Swift's tagged pointers (spare bits of multi-payload enums) for leaks: with global state
# alive across inputs it reports false leaks, so leak detection is off; growth still trips -rss_limit_mb.
fuzz_flags=(-detect_leaks=0 -rss_limit_mb=4096 -timeout=60)
# -detect_leaks=0 covers fuzzing; a replay of single inputs needs the sanitizer's own switch as well.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

for target in "${targets[@]}"; do
    echo "== building $target"
    swift build -c debug --product "$target" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
        --scratch-path "$build" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol"
    # The build's own status: a failed build must not leave an older binary of the target to be fuzzed.
    if [ "${PIPESTATUS[0]}" -ne 0 ] || [ ! -x "$build/debug/$target" ]; then
        echo "error: $target did not build" >&2
        exit 1
    fi
done

# `run.sh build` only builds (CI builds once, then fuzzes two targets at a time on its two cores).
[ "$seconds" = build ] && exit 0

failed=0
summary=()
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

record_crash() {  # target, log, input files...
    local target=$1 log=$2
    shift 2
    mkdir -p "Crashes/$target"
    for input in "$@"; do
        local name
        name=$(basename "$input")
        cp "$input" "Crashes/$target/$name"
        {
            echo "target: $target"
            echo "found: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
            echo "base64: $(base64 -w0 "$input")"
            echo "reproduce: cd Tests/Fuzz && SWIFT_BACKTRACE=enable=no $build/debug/$target Crashes/$target/$name"
            echo
            grep -E "Fatal error|ERROR: (AddressSanitizer|libFuzzer)|SUMMARY|^    #[0-9]+ .*(Neuvo|Fuzz)" "$log" | head -40
        } >"Crashes/$target/$name.txt"
        echo "   crash input: Tests/Fuzz/Crashes/$target/$name (note: $name.txt)"
    done
}

for target in "${targets[@]}"; do
    binary="$build/debug/$target"
    log="$work/$target.log"

    # Regressions first: every committed input that once failed must pass.
    if compgen -G "Regressions/$target/*" >/dev/null; then
        inputs=()
        for input in Regressions/"$target"/*; do
            [[ "$input" == *.txt || "$input" == *.md ]] || inputs+=("$input")
        done
        echo "== $target: replaying ${#inputs[@]} regression input(s)"
        regression_failed=0
        for input in "${inputs[@]}"; do
            if ! "$binary" "${fuzz_flags[@]}" "$input" >"$log" 2>&1; then
                echo "   FAILED: $input"
                grep -E "Fatal error" "$log" | head -3 | cut -c1-300
                regression_failed=1
            fi
        done
        if [ $regression_failed -ne 0 ]; then
            failed=1
            summary+=("$target: regression inputs fail (not fuzzed)")
            continue
        fi
    fi

    echo "== $target: fuzzing for ${seconds}s"
    corpus="$work/corpus-$target"
    artifacts="$work/artifacts-$target/"
    mkdir -p "$corpus" "$artifacts"
    cp Corpus/"$target"/* "$corpus"/ 2>/dev/null
    "$binary" "${fuzz_flags[@]}" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts" \
        "$corpus" >"$log" 2>&1
    status=$?
    stats=$(grep -E "^#[0-9]+" "$log" | tail -1 | grep -oE "cov: [0-9]+|exec/s: [0-9]+|corp: [0-9]+/[0-9a-zA-Z]+" \
        | tr '\n' ' ')
    runs=$(grep -oE "^Done [0-9]+ runs in [0-9]+ second" "$log" | head -1)
    crashes=("$artifacts"*)
    if [ $status -ne 0 ] || [ -e "${crashes[0]}" ]; then
        failed=1
        echo "   CRASH (exit $status):"
        grep -E "Fatal error|ERROR: (AddressSanitizer|libFuzzer)" "$log" | head -3 | cut -c1-300
        [ -e "${crashes[0]}" ] && record_crash "$target" "$log" "${crashes[@]}"
        summary+=("$target: CRASH  $stats")
    else
        summary+=("$target: ok  $stats ${runs:+($runs)}")
    fi
done

echo
echo "== summary (${seconds}s per target)"
printf '   %s\n' "${summary[@]}"
exit $failed
