#!/usr/bin/env bash
# Release checks: what a user gets from `pip install airflow-provider-every8d`, checked as they would get it.
#
#   1. sdist and wheel build (uv build: the wheel is built from the sdist, so the sdist must be complete)
#   2. twine check --strict on both (metadata and README render on PyPI)
#   3. the wheel holds only airflow_provider_every8d/** and its dist-info; the sdist no local state
#   4. the wheel installs into a fresh venv with apache-airflow==$AIRFLOW_VERSION under its constraints
#   5. from a directory outside the repo: Airflow's ProvidersManager finds the provider, the `every8d`
#      connection type and hook, the notifier and the trigger; every entry point loads;
#      `python -m airflow_provider_every8d.emulator --help` runs
#
# Prints PASS/FAIL per check and exits 1 if any failed. Needs .tools/bin/uv (`make env` makes it) and PyPI.
# KEEP=1 keeps the temporary directory for inspection.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
UV="${UV:-$ROOT/.tools/bin/uv}"
AIRFLOW_VERSION="${AIRFLOW_VERSION:-3.3.2}"
CONSTRAINTS="$ROOT/constraints/airflow-$AIRFLOW_VERSION.txt"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$ROOT/.tools/cache}"
TWINE="twine==7.0.0"  # 7.x reads Metadata-Version 2.5 (hatchling writes it)

WORK="$(mktemp -d "${TMPDIR:-/tmp}/every8d-release-XXXXXX")"
if [[ "${KEEP:-0}" == 1 ]]; then echo "keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
FAILURES=0
START=$SECONDS

pass() { printf 'PASS  %s\n' "$1"; }
fail() { printf 'FAIL  %s\n' "$1"; FAILURES=$((FAILURES + 1)); }
# run NAME CMD...: run a check, its output to a log shown only on failure.
run() {
    local name="$1"; shift
    local log="$WORK/log.$RANDOM"
    if "$@" >"$log" 2>&1; then pass "$name"; else fail "$name"; sed 's/^/      /' "$log" | tail -40; fi
}

[[ -x "$UV" ]] || { echo "FAIL  $UV not found: run 'make env' first"; exit 1; }
[[ -f "$CONSTRAINTS" ]] || { echo "FAIL  $CONSTRAINTS not found"; exit 1; }

# The interpreter of the project env (.venv), else python3: the fresh venv uses the same Python.
PYTHON="$("$ROOT/.venv/bin/python" -c 'import sys; print(sys._base_executable)' 2>/dev/null || command -v python3)"

# 1. build -------------------------------------------------------------------------------------------
run "build sdist and wheel (uv build)" "$UV" build --quiet --out-dir "$WORK/dist" "$ROOT"
WHEEL="$(ls "$WORK"/dist/*.whl 2>/dev/null | head -1)"
SDIST="$(ls "$WORK"/dist/*.tar.gz 2>/dev/null | head -1)"
if [[ -z "$WHEEL" || -z "$SDIST" ]]; then echo "FAIL  nothing to check without a wheel and an sdist"; exit 1; fi

# 2. twine check (in a throwaway tool environment) ---------------------------------------------------
run "twine check --strict" "$UV" tool run --quiet --from "$TWINE" twine check --strict "$WHEEL" "$SDIST"

# 3. contents ----------------------------------------------------------------------------------------
run "wheel contents: only airflow_provider_every8d/** and dist-info" "$PYTHON" - "$WHEEL" <<'PY'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
bad_parts = {"tests", "example_dags", "__pycache__", ".venv", "_build", "docs", ".tools", ".airflow"}
bad = [n for n in names
       if not (n.startswith("airflow_provider_every8d/") or n.split("/")[0].endswith(".dist-info"))
       or bad_parts & set(n.split("/")) or n.endswith((".pyc", ".pyo"))]
required = ["airflow_provider_every8d/py.typed", "airflow_provider_every8d/get_provider_info.py",
            "airflow_provider_every8d/emulator/__main__.py", "airflow_provider_every8d/hooks/every8d.py"]
missing = [r for r in required if r not in names]
print(f"{len(names)} files")
for name in bad:
    print("unexpected:", name)
for name in missing:
    print("missing:", name)
sys.exit(1 if bad or missing else 0)
PY

run "sdist contents: sources, no local state" "$PYTHON" - "$SDIST" <<'PY'
import sys, tarfile
names = [m.name.split("/", 1)[1] for m in tarfile.open(sys.argv[1]).getmembers() if "/" in m.name]
bad_parts = {".venv", ".tools", ".airflow", "dist", "__pycache__", ".git", ".mypy_cache", ".ruff_cache",
             ".pytest_cache", ".hypothesis", "_build"}
bad = [n for n in names if bad_parts & set(n.split("/")) or n.endswith((".pyc", ".pyo"))]
required = ["pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "airflow_provider_every8d/__init__.py"]
missing = [r for r in required if r not in names]
print(f"{len(names)} files")
for name in bad:
    print("unexpected:", name)
for name in missing:
    print("missing:", name)
sys.exit(1 if bad or missing else 0)
PY

# 4. install into a fresh venv -----------------------------------------------------------------------
# Airflow's constraints pin Airflow's dependencies; lines naming this project (an editable `-e` line from
# a freeze) are dropped so the wheel under test is what gets installed.
grep -v -e '^-e' -e '^airflow-provider-every8d' "$CONSTRAINTS" >"$WORK/constraints.txt"
VENV="$WORK/venv"
run "fresh venv: wheel + apache-airflow==$AIRFLOW_VERSION (constrained)" bash -c '
    "$1" venv --quiet --python "$2" "$3" &&
    VIRTUAL_ENV="$3" "$1" pip install --quiet "$4" "apache-airflow==$5" pytest --constraint "$6"' \
    _ "$UV" "$PYTHON" "$VENV" "$WHEEL" "$AIRFLOW_VERSION" "$WORK/constraints.txt"

# 5. discovery, from outside the repo (no source tree on sys.path) -----------------------------------
mkdir -p "$WORK/outside" "$WORK/airflow-home"
cat >"$WORK/outside/discover.py" <<'PY'
"""What Airflow sees of the installed wheel. One line per fact; exit 1 if any is wrong."""
import importlib
import sys
from importlib.metadata import distribution

problems = []

def check(ok, what):
    print(("ok   " if ok else "BAD  ") + what)
    if not ok:
        problems.append(what)

import airflow_provider_every8d
check("site-packages" in airflow_provider_every8d.__file__,
      f"imported from the installed wheel ({airflow_provider_every8d.__file__})")

from airflow.providers_manager import ProvidersManager
pm = ProvidersManager()
check("airflow-provider-every8d" in pm.providers, "provider airflow-provider-every8d registered")
hook = pm.hooks.get("every8d")
check(hook is not None and hook.hook_class_name == "airflow_provider_every8d.hooks.every8d.Every8dHook",
      f"connection type every8d -> Every8dHook ({hook})")
check(hook is not None and hook.connection_testable, "every8d connections are testable")
NOTIFIER = "airflow_provider_every8d.notifications.every8d.Every8dNotifier"
check(NOTIFIER in pm.notification, f"notifier {NOTIFIER} discovered (and importable)")
TRIGGER_MODULE = "airflow_provider_every8d.triggers.every8d"
check(any(t.trigger_class_name == TRIGGER_MODULE for t in pm.trigger), f"trigger module {TRIGGER_MODULE} listed")
try:
    from airflow.triggers.base import BaseTrigger
    trigger = importlib.import_module(TRIGGER_MODULE).Every8dDeliveryStatusTrigger
    check(issubclass(trigger, BaseTrigger), "Every8dDeliveryStatusTrigger is a BaseTrigger")
except Exception as error:  # noqa: BLE001 - report, do not crash
    check(False, f"Every8dDeliveryStatusTrigger importable ({type(error).__name__}: {error})")

for entry_point in distribution("airflow-provider-every8d").entry_points:
    if entry_point.group == "pytest11":
        continue  # needs pytest: checked by the pytest run below
    try:
        entry_point.load()
        check(True, f"entry point {entry_point.group}:{entry_point.name} loads")
    except Exception as error:  # noqa: BLE001
        check(False, f"entry point {entry_point.group}:{entry_point.name} -> {entry_point.value} "
                     f"({type(error).__name__}: {error})")
sys.exit(1 if problems else 0)
PY
if [[ -x "$VENV/bin/python" ]]; then
    # -I: isolated mode (no cwd, no PYTHONPATH, no user site on sys.path).
    run "Airflow discovers provider, connection type, hook, notifier, trigger; entry points load" \
        env -C "$WORK/outside" AIRFLOW_HOME="$WORK/airflow-home" AIRFLOW__CORE__LOAD_EXAMPLES=False \
        "$VENV/bin/python" -I discover.py
    run "python -m airflow_provider_every8d.emulator --help (from the wheel)" \
        env -C "$WORK/outside" "$VENV/bin/python" -I -m airflow_provider_every8d.emulator --help
    # The pytest11 entry point: DAG authors' tests get the every8d_emulator fixture from the wheel.
    run "pytest plugin from the wheel provides the every8d_emulator fixture" bash -c '
        cd "$1" && "$2/bin/python" -I -m pytest -p no:cacheprovider --fixtures 2>&1 | grep -q "^every8d_emulator"' \
        _ "$WORK/outside" "$VENV"
else
    fail "discovery (no venv)"
fi

echo "release checks: $FAILURES failed, $((SECONDS - START)) s"
[[ $FAILURES -eq 0 ]]
