#!/usr/bin/env bash
# The pure unit tests (protocol core, send engine, settings: no Airflow, no network) on every Python
# 3.10-3.13 this machine has, each in its own small uv venv (.venv-py3.X: pytest, pytest-asyncio, hypothesis;
# the package from the checkout on PYTHONPATH). The whole suite runs on the main Python in `make unit`.
#
#   scripts/test-pythons.sh            # every Python found
#   PYTHONS="3.10 3.13" scripts/test-pythons.sh
#   scripts/test-pythons.sh --install-only   # create the venvs only (make test, before its stages)
#
# Pythons are looked up under $PYENV_ROOT/versions (default /root/.pyenv), then as python3.X on PATH.
# Prints one line per Python (ran / not found) and exits non-zero if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."
UV=${UV:-.tools/bin/uv}
export UV_CACHE_DIR=${UV_CACHE_DIR:-$PWD/.tools/cache}
PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}
PURE_TESTS=(tests/unit/protocol tests/unit/sending tests/unit/settings)
# The test extra's ranges and the project's light dependencies (no Airflow): each Python gets what supports it.
PINS=("pytest>=8" "pytest-asyncio>=0.23" "hypothesis>=6.100" "pendulum>=3.0" "requests>=2.31" "httpx>=0.25")

find_python() {  # $1 = 3.X -> path of an interpreter of that version, or nothing
    local candidate
    for candidate in "$PYENV_ROOT"/versions/"$1".*/bin/python"$1" "$(command -v "python$1" 2>/dev/null)"; do
        # pyenv's shims answer for versions that are not selected: only a real interpreter counts
        if [[ -n $candidate && -x $candidate && $candidate != */shims/* ]]; then echo "$candidate"; return; fi
    done
}

[[ -x $UV ]] || { echo "no $UV: run 'make env' first" >&2; exit 1; }
status=0
summary=()
declare -A logs
main=$([[ -x .venv/bin/python ]] && .venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
for version in ${PYTHONS:-3.10 3.11 3.12 3.13}; do
    if [[ -z ${PYTHONS:-} && $version == "$main" ]]; then
        summary+=("Python $version: the main one (.venv): the whole suite runs there (make unit)")
        continue
    fi
    python=$(find_python "$version")
    if [[ -z $python ]]; then
        summary+=("Python $version: not on this machine, not run")
        continue
    fi
    venv=.venv-py$version
    if [[ ! -f $venv/.installed ]]; then
        "$UV" venv --quiet --allow-existing --python "$python" "$venv" && \
            VIRTUAL_ENV=$venv "$UV" pip install --quiet "${PINS[@]}" && touch "$venv/.installed" || {
            summary+=("Python $version: could not create $venv"); status=1; continue; }
    fi
    [[ ${1:-} == --install-only ]] && continue
    # The package is not installed in these venvs (PYTHONPATH instead), so its pytest plugin is not loaded.
    # The Pythons run side by side (each is one process), and are reported in order below.
    logs[$version]=$(mktemp)
    (PYTHONPATH=$PWD AIRFLOW_HOME=$(mktemp -d) "$venv/bin/python" -m pytest -q -p no:cacheprovider -o addopts= \
        "${PURE_TESTS[@]}" >"${logs[$version]}" 2>&1; echo $? >>"${logs[$version]}.rc") &
    summary+=("@$version")
done
wait
if [[ ${1:-} == --install-only ]]; then
    [[ $status == 0 ]] || printf '%s\n' "${summary[@]}"
    exit $status
fi
lines=()
for line in "${summary[@]}"; do
    if [[ $line != @* ]]; then lines+=("$line"); continue; fi
    version=${line#@}
    log=${logs[$version]}
    if [[ $(cat "$log.rc") == 0 ]]; then
        lines+=("Python $version ($(".venv-py$version/bin/python" -V 2>&1)): $(tail -n 1 "$log")")
    else
        tail -n 40 "$log"
        lines+=("Python $version: FAILED: $(tail -n 1 "$log")")
        status=1
    fi
    rm -f "$log" "$log.rc"
done
printf '%s\n' "${lines[@]}"
# The same in one closing line (make test shows each stage's last line).
ran=() failed=()
for line in "${lines[@]}"; do
    version=${line#Python }; version=${version%%[ :]*}
    case $line in *": FAILED"*) failed+=("$version") ;; *" passed"*) ran+=("$version") ;; esac
done
echo "pure tests: passed on ${ran[*]:-none}${failed:+; FAILED on ${failed[*]}} (the main Python ${main:-?} runs the whole suite)"
exit $status
