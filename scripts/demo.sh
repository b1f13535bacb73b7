#!/usr/bin/env bash
# The demo: start the bundled EVERY8D emulator, point every8d_default at it, run the quickstart DAG
# with `airflow dags test` on a SQLite Airflow home inside the repo (.airflow/, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PY="$VENV/bin/python"
export AIRFLOW_HOME="$PWD/.airflow/demo"
export AIRFLOW__CORE__DAGS_FOLDER="$PWD/example_dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__LOGGING__LOGGING_LEVEL=WARNING
mkdir -p "$AIRFLOW_HOME"

log="$AIRFLOW_HOME/emulator.log"
"$PY" -u -m airflow_provider_every8d.emulator --port 0 --delivery-seconds 3 >"$log" 2>&1 &
emulator=$!
trap 'kill $emulator 2>/dev/null || true' EXIT
for _ in $(seq 50); do grep -q "http://" "$log" 2>/dev/null && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*' "$log" | head -1)
[ -n "$url" ] || { echo "emulator did not start:"; cat "$log"; exit 1; }
echo "== EVERY8D emulator at $url (account demo)"
export AIRFLOW_CONN_EVERY8D_DEFAULT="{\"conn_type\": \"every8d\", \"host\": \"$url\", \"login\": \"demo\", \"password\": \"demo-password\"}"

echo "== airflow db migrate (SQLite in $AIRFLOW_HOME)"
"$VENV/bin/airflow" db migrate >"$AIRFLOW_HOME/migrate.log" 2>&1 || { tail -30 "$AIRFLOW_HOME/migrate.log"; exit 1; }

echo "== airflow dags test every8d_quickstart"
out="$AIRFLOW_HOME/dags-test.log"
"$VENV/bin/airflow" dags test every8d_quickstart >"$out" 2>&1 || { tail -60 "$out"; exit 1; }
# The report task runs only after the send and the wait succeeded: its lines are the proof.
grep -E "^(SENT|DELIVERY|BALANCE):" "$out" | awk '!seen[$1]++ { print "   " $0 }'
grep -q "^BALANCE:" "$out" || { echo "the quickstart DAG did not finish:"; tail -40 "$out"; exit 1; }
echo "== demo finished: the quickstart DAG sent through the emulator and waited for delivery"
