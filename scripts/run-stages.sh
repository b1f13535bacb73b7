#!/usr/bin/env bash
# Run make targets side by side, at most $JOBS (default: one per core, nproc) at a time, in the order given
# (longest first keeps the cores busy to the end). Used by `make test` for the stages that are independent
# of each other; the deployment test runs alone after them (it is timing-sensitive).
#
#   scripts/run-stages.sh unit unit-airflow2 lint     # JOBS=1 runs them one after another
#
# Each target's output goes to $LOGS/<target>.log (default .airflow/test-logs), shown in full when the
# target fails; one line per target says ok/FAILED and its wall time. Exits non-zero if any target failed
# (the others still run to the end, so one run reports every failure).
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
LOGS=${LOGS:-.airflow/test-logs}
MAKE=${MAKE:-make}
mkdir -p "$LOGS"

declare -A pid_of started
failed=()
running=0

finish() {  # $1 = pid of a finished target, $2 = its exit status: print its line (its log if it failed)
    local pid=$1 rc=$2 target
    for target in "${!pid_of[@]}"; do
        [[ ${pid_of[$target]} == "$pid" ]] || continue
        unset "pid_of[$target]"
        local took=$((SECONDS - started[$target])) tail
        tail=$(grep -v '^\s*$' "$LOGS/$target.log" | tail -n 1)
        if [[ $rc == 0 ]]; then
            printf '== %-16s ok      %4d s  %s\n' "$target" "$took" "$tail"
        else
            printf '== %-16s FAILED  %4d s  (exit %s; its log, %s:)\n' "$target" "$took" "$rc" "$LOGS/$target.log"
            sed 's/^/   | /' "$LOGS/$target.log"
            failed+=("$target")
        fi
        running=$((running - 1))
        return
    done
}

wait_one() {  # wait for any running target and report the finished ones
    local pid rc
    wait -n -p pid "${pid_of[@]}"; rc=$?
    finish "$pid" "$rc"
}

start=$SECONDS
for target in "$@"; do
    while ((running >= JOBS)); do wait_one; done
    started[$target]=$SECONDS
    "$MAKE" --no-print-directory "$target" >"$LOGS/$target.log" 2>&1 &
    pid_of[$target]=$!
    running=$((running + 1))
done
while ((running > 0)); do wait_one; done

if ((${#failed[@]})); then
    echo "== FAILED: ${failed[*]} ($((SECONDS - start)) s)"
    exit 1
fi
echo "== all passed: $* ($((SECONDS - start)) s)"
