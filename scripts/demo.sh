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
    $DRSP sandbox down --dir "$DIR" # also stops the controller serving it
  fi
}
trap cleanup EXIT

step "start production cluster 1 and DR cluster 1 (meta + 2 shards each, 1 local replica per DR shard) and the control database" \
  $DRSP sandbox up --dir "$DIR" --shards 2 --replicas 1
export DRSP_CONF="$DIR/drsp.conf"
step "start the drsp controller (journal in the control database, API on 127.0.0.1 with a token)" \
  $DRSP controller --daemon
step "AllControl.sh -sync 1 -delay_time=5: DR cluster 1 follows production 5 s behind" \
  scripts/AllControl.sh -sync 1 -delay_time=5
echo
echo "== bank workload on production in the background: 100 transfers/s for 15 s"
$DRSP sandbox workload --dir "$DIR" --rate 100 --seconds 15 > "$DIR/workload.out" 2>&1 &
workload=$!
sleep 4 # let the workload run a while before looking; this is a demo's pacing, not a wait for a condition
step "AllControl.sh -status 1 (workload running): applied production time trails by the delay, lag beyond it stays small" \
  scripts/AllControl.sh -status 1
sleep 5
step "AllControl.sh -status 1 again, 5 s later: the delay still holds" \
  scripts/AllControl.sh -status 1
wait $workload
echo; cat "$DIR/workload.out"
step "sandbox status: every instance, its GTID count and replication" \
  $DRSP sandbox status --dir "$DIR"
step "AllControl.sh -stopsync 1: stop every link, keep the relay log" \
  scripts/AllControl.sh -stopsync 1
echo
echo "demo done: config at $DIR/drsp.conf"
