#!/bin/bash
#
# Runs one libFuzzer target for a while, for `make -C t/fuzz fuzz`:
#
#   run.sh NAME BINARY WORKDIR SECONDS MAX_LEN [LIBFUZZER_OPTION...]
#
# The committed seeds (corpus/NAME) and regression inputs (crashes/NAME) are
# copied into WORKDIR/corpus, which libFuzzer grows; it is kept from one run
# to the next, and nothing is ever written into the committed directories.
# Artifacts (crash-*, leak-*, timeout-*, oom-*) are left in WORKDIR.
#
# Prints one line of results and writes it to WORKDIR/summary as
#   name seconds executions exec/s cov corpus findings exit-code
# Exits 0 even on a finding: the make target reads the summaries of all
# targets and fails after the table.

set -u

name=$1 bin=$2 dir=$3 seconds=$4 max_len=$5
shift 5

here=$(cd "$(dirname "$0")" && pwd)
artifacts=( '(' -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*'
            -o -name 'oom-*' ')' )
report='^==[0-9]+==ERROR|runtime error|fuzz_assert|ERROR: libFuzzer'

mkdir -p "$dir/corpus" || exit 2
rm -f "$dir/summary"

for src in "$here/corpus/$name" "$here/crashes/$name"; do
    [ -d "$src" ] || continue
    find "$src" -maxdepth 1 -type f ! -name '.*' \
        -exec cp -n {} "$dir/corpus/" \;
done

touch "$dir/start"
echo "fuzz $name: $seconds s, log in $dir/fuzz.log"

(
    cd "$dir" || exit 2

    # stop at the first report, with a stack; abort() is a report too
    ASAN_OPTIONS=abort_on_error=0:handle_abort=1:detect_leaks=1 \
    UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1 \
    "$bin" corpus -max_total_time="$seconds" -max_len="$max_len" \
        -timeout=10 -print_final_stats=1 -artifact_prefix="$dir/" "$@" \
        > fuzz.log 2>&1
) 2>/dev/null   # not bash's "Aborted" notice: the report is in the log
rc=$?

log=$dir/fuzz.log
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
corpus=$(find "$dir/corpus" -type f | wc -l)

found=$(find "$dir" -maxdepth 1 -type f -newer "$dir/start" "${artifacts[@]}" \
        | wc -l)

if [ "$rc" -ne 0 ] && [ "$found" -eq 0 ]; then
    # libFuzzer itself failed, or died without an artifact
    found=1
fi

echo "$name $seconds ${execs:-?} ${rate:-?} ${cov:-?} $corpus $found $rc" \
    > "$dir/summary"

echo "fuzz $name: ${execs:-?} executions, ${rate:-?} exec/s," \
     "cov ${cov:-?}, corpus $corpus, findings $found (exit $rc)"

if [ "$found" -ne 0 ]; then
    grep -m1 -A40 -E "$report" "$log"
    find "$dir" -maxdepth 1 -type f -newer "$dir/start" "${artifacts[@]}" \
        -printf '  artifact: %p\n'
fi

exit 0
