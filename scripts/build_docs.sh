#!/usr/bin/env bash
# Build the documentation site into docs/_build/html, warnings as errors.
#
# Uses the project env (.venv, made by `make env`) and adds the pinned `docs` extra of pyproject.toml to
# it (sphinx, myst-parser, furo), under Airflow's constraints so nothing Airflow pinned moves.
# autodoc imports the package and Airflow, hence the project env rather than a separate one.
# `--install-only`: the extra and Graphviz only, no build (make test installs before it runs stages side by side).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV="${UV:-.tools/bin/uv}"
VENV="${VENV:-.venv}"
AIRFLOW_VERSION="${AIRFLOW_VERSION:-3.3.2}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$ROOT/.tools/cache}"

[[ -x "$VENV/bin/python" && -x "$UV" ]] || { echo "no $VENV or $UV: run 'make env' first" >&2; exit 1; }

# Constraints without lines naming this project (a freeze may hold an editable `-e file://...` line).
constraints="$(mktemp)"
trap 'rm -f "$constraints"' EXIT
grep -v -e '^-e' -e '^airflow-provider-every8d' "constraints/airflow-$AIRFLOW_VERSION.txt" >"$constraints"
VIRTUAL_ENV="$VENV" "$UV" pip install --quiet -r pyproject.toml --extra docs --constraint "$constraints"

# The diagrams (docs/diagrams/*.dot) are drawn by Graphviz's `dot` during the build: Debian's graphviz.
if ! command -v dot >/dev/null; then
    if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends graphviz >/dev/null
    else
        echo "docs: Graphviz's dot is missing: install the graphviz package (the diagrams need it)" >&2
        exit 1
    fi
fi

[[ ${1:-} == --install-only ]] && exit 0

# autodoc imports Airflow: give it a private home, not ~/airflow.
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow/docs}"
# -E: a fresh environment each time, so warnings of unchanged pages are reported again (an incremental
# build would stay quiet about a page that links to one deleted since).
"$VENV/bin/sphinx-build" -E -W --keep-going -q -b html docs docs/_build/html "$@"
# autodoc output that MyST shows as text ('.. py:class:: ...' on a page) is a page with no API reference.
if literal=$(grep -l -E '(^|>)\.\. (py:|auto)' docs/_build/html/*.html); then
    echo "docs: literal reST directives in $literal (use an eval-rst block for autodoc)" >&2
    exit 1
fi
echo "docs: file://$ROOT/docs/_build/html/index.html"
