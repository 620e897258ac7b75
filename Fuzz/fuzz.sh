#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer into .build-fuzz and runs each for a bounded time on
# its seed corpus (see Fuzz/README.md). Crashes, timeouts and out-of-memory inputs are written
# to Fuzz/crashes/TARGET/ and make the run fail; new coverage is kept in .build-fuzz/corpus,
# not in the repository.
#
# Usage: Fuzz/fuzz.sh [TARGET...]   (environment: FUZZ_SECONDS, default 60; FUZZ_FLAGS, extra
# libFuzzer flags such as -jobs=2 or -max_len=4096)
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(RTMPChunk AMF0 FLVTag MPEGTS H264 HEVC AudioConfig BoxReader)
fi
scratch=.build-fuzz

for target in "${targets[@]}"; do
    swift build -c release --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer -Xswiftc -DWEIR_FUZZING --product "Fuzz$target"
done

mkdir -p "$scratch/logs"
summary=()
failed=()
for target in "${targets[@]}"; do
    mkdir -p "Fuzz/crashes/$target" "$scratch/corpus/$target"
    log="$scratch/logs/$target.log"
    echo "== fuzzing $target for ${seconds}s (log: $log)"
    status=0
    # The Swift runtime's backtracer would catch the trap before libFuzzer saves the input.
    # shellcheck disable=SC2086
    SWIFT_BACKTRACE=enable=no "$scratch/release/Fuzz$target" \
        -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="Fuzz/crashes/$target/" ${FUZZ_FLAGS:-} \
        "$scratch/corpus/$target" "Fuzz/corpus/$target" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$status" -ne 0 ]; then
        failed+=("$target")
        grep -E "^(==[0-9]+== ERROR|SUMMARY|artifact_prefix|Fatal error|.*: Fatal error)" "$log" || tail -20 "$log"
    fi
    summary+=("$(printf '%-12s %12s executions  %s' "$target" "${runs:-?}" "$([ "$status" -eq 0 ] && echo ok || echo FAILED)")")
done

echo "== summary"
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "crash inputs were written to Fuzz/crashes/ for: ${failed[*]}" >&2
    exit 1
fi
