#!/usr/bin/env bash
# The demo: a local production + DR sandbox of real MySQL 8 instances, driven the way a DBA drives drsp.
# Each step is printed with its duration. Set DRSP_DEMO_KEEP=1 to leave the sandbox running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

DRSP=drsp-cli/target/drsp/bin/drsp
DIR=var/demo
step_no=0
step() {
  step_no=$((step_no + 1))
  echo
  echo "== step $step_no: $1"
  shift
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  printf -- "-- step %d took %d.%01d s\n" "$step_no" $((ms / 1000)) $(((ms % 1000) / 100))
}
cleanup() {
  if [ "${DRSP_DEMO_KEEP:-0}" != 1 ] && [ -f "$DIR/sandbox.properties" ]; then
    echo; echo "== tearing the sandbox down (DRSP_DEMO_KEEP=1 keeps it)"
    $DRSP sandbox down --dir "$DIR"
  fi
}
trap cleanup EXIT

step "start production cluster 1 and DR cluster 1 (meta + 2 shards each, 1 local replica per DR shard) and the control database" \
  $DRSP sandbox up --dir "$DIR" --shards 2 --replicas 1
step "bank workload on production: transfers at 100/s for 10 s, then check that balances sum to the opening total" \
  $DRSP sandbox workload --dir "$DIR" --rate 100 --seconds 10
step "sandbox status: every instance, its GTID count and replication" \
  $DRSP sandbox status --dir "$DIR"
echo
echo "demo done: config at $DIR/drsp.conf"
