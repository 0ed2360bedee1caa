#!/usr/bin/env bash
# AllControl.sh: the front existing DR runbooks call, kept flag-compatible; every action is the drsp CLI's.
#   AllControl.sh -sync N -delay_time=SECONDS     start or resume delayed sync of DR cluster N, or change its delay
#   AllControl.sh -stopsync N                     stop every link of DR cluster N (relay logs kept)
#   AllControl.sh -status N                       modes, delay, per-shard threads, lag, backlog
#   AllControl.sh -recover N                      replay to the target set by bat_mod_relaytime.sh, record the recovery point
#   AllControl.sh -service N / -stopservice N     enter / leave service mode (snapshot point, read-only, dbproxy hooks)
#   AllControl.sh -flashback N / -purge N         end a drill: undo what it wrote, then reset GTIDs to the snapshot point
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf). Exit codes: 0 done, 1 refused or failed, 2 usage.
set -uo pipefail
DRSP="${DRSP_BIN:-$(cd "$(dirname "$0")/.." && pwd)/drsp-cli/target/drsp/bin/drsp}"

usage() {
  echo "usage: AllControl.sh -sync N -delay_time=SECONDS | -stopsync N | -status N | -recover N | -service N | -stopservice N | -flashback N | -purge N" >&2
  exit 2
}

[ $# -ge 2 ] || usage
action=$1
cluster=$2
shift 2
case "$action" in
  -sync)
    delay=""
    while [ $# -gt 0 ]; do
      case "$1" in
        -delay_time=*) delay=${1#-delay_time=} ;;
        -delay_time) [ $# -ge 2 ] || usage; delay=$2; shift ;;
        *) usage ;;
      esac
      shift
    done
    [ -n "$delay" ] || usage
    exec "$DRSP" sync "$cluster" --delay "$delay"
    ;;
  -stopsync) [ $# -eq 0 ] || usage; exec "$DRSP" stopsync "$cluster" ;;
  -status)   [ $# -eq 0 ] || usage; exec "$DRSP" status "$cluster" ;;
  -recover)  [ $# -eq 0 ] || usage; exec "$DRSP" recover "$cluster" ;;
  -service)  [ $# -eq 0 ] || usage; exec "$DRSP" service "$cluster" ;;
  -stopservice) [ $# -eq 0 ] || usage; exec "$DRSP" stopservice "$cluster" ;;
  -flashback) [ $# -eq 0 ] || usage; exec "$DRSP" flashback "$cluster" ;;
  -purge)    [ $# -eq 0 ] || usage; exec "$DRSP" purge "$cluster" ;;
  *) usage ;;
esac
