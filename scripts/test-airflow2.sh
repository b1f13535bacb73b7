#!/usr/bin/env bash
# Run the whole test suite on Airflow 2.11 from the same code base.
#
#   scripts/test-airflow2.sh                 # create/refresh .venv-af2 if needed, then `pytest -q`
#   scripts/test-airflow2.sh tests/integration/compat -x # extra arguments go to pytest
#   FREEZE=1 scripts/test-airflow2.sh        # resolve afresh and rewrite constraints/airflow-2.11.2.txt
#   scripts/test-airflow2.sh --install-only  # create/refresh .venv-af2 only (make test, before its stages)
#
# The environment lives in .venv-af2 (uv, pinned by constraints/airflow-$AIRFLOW2_VERSION.txt); the
# Airflow home is a throw-away directory, so nothing touches ~/airflow or the Airflow 3 environment.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
AIRFLOW2_VERSION=${AIRFLOW2_VERSION:-2.11.2}
VENV=.venv-af2
CONSTRAINTS=constraints/airflow-${AIRFLOW2_VERSION}.txt
UV=.tools/bin/uv
export UV_CACHE_DIR=${UV_CACHE_DIR:-$PWD/.tools/cache}

if [[ ! -x $UV ]]; then
    "$PYTHON" -m venv .tools
    .tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.9
fi

stamp=$VENV/.installed
if [[ ${FREEZE:-0} == 1 || ! -f $stamp || pyproject.toml -nt $stamp || ! -f $CONSTRAINTS || $CONSTRAINTS -nt $stamp ]]; then
    "$UV" venv --quiet --allow-existing --python "$("$PYTHON" -c 'import sys; print(sys.executable)')" "$VENV"
    if [[ ${FREEZE:-0} == 1 || ! -f $CONSTRAINTS ]]; then
        VIRTUAL_ENV=$VENV "$UV" pip install --quiet -e ".[test]" "apache-airflow==${AIRFLOW2_VERSION}"
        {
            echo "# uv pip freeze of $VENV after: uv pip install -e '.[test]' apache-airflow==${AIRFLOW2_VERSION}"
            echo "# (Python $("$VENV/bin/python" -c 'import platform; print(platform.python_version())'); the project itself left out)"
            VIRTUAL_ENV=$VENV "$UV" pip freeze | grep -v -e '^-e ' -e '^airflow-provider-every8d'
        } > "$CONSTRAINTS"
    else
        VIRTUAL_ENV=$VENV "$UV" pip install --quiet -e ".[test]" "apache-airflow==${AIRFLOW2_VERSION}" \
            --constraint "$CONSTRAINTS"
    fi
    touch "$stamp"
fi
[[ ${1:-} == --install-only ]] && exit 0

AIRFLOW_HOME=$(mktemp -d -t every8d-af2-home-XXXXXX)
trap 'rm -rf "$AIRFLOW_HOME"' EXIT
export AIRFLOW_HOME
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$AIRFLOW_HOME/airflow.db"

"$VENV/bin/python" -c 'import airflow; print(f"Airflow {airflow.__version__}")'
"$VENV/bin/python" -m pytest -q "$@"
