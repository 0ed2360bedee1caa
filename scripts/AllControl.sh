#!/usr/bin/env bash
# AllControl.sh: the front existing DR runbooks call, kept flag-compatible; every action is the drsp CLI's.
#   AllControl.sh -sync N -delay_time=SECONDS     start or resume delayed sync of DR cluster N, or change its delay
#                                                 (also -delay_time SECONDS; SECONDS is a whole number, 0 or more)
#   AllControl.sh -stopsync N                     stop every link of DR cluster N (relay logs kept)
#   AllControl.sh -status N [-json]               modes, delay, per-shard threads, lag, backlog (-json: for machines)
#   AllControl.sh -recover N                      replay to the target set by bat_mod_relaytime.sh, record the recovery point
#   AllControl.sh -service N / -stopservice N     enter / leave service mode (snapshot point, read-only, dbproxy hooks)
#   AllControl.sh -flashback N / -purge N         end a drill: undo what it wrote, then reset GTIDs to the snapshot point
#   AllControl.sh -switchback N [-delay_time=SECONDS] [-dry_run]
#                                                 give service back to production after DR served (DESIGN section 6);
#                                                 run again after a failure to continue; the delay defaults to the cluster's
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
# Exit codes: 0 done, 1 refused or failed (one sentence on stderr), 2 usage (unknown or not yet available flag,
# missing or malformed argument, extra argument).
set -uo pipefail
. "$(dirname "$0")/drsp-lib.sh"

usage() {
  echo "usage: AllControl.sh -sync N -delay_time=SECONDS | -stopsync N | -status N [-json] | -recover N | -service N | -stopservice N | -flashback N | -purge N | -switchback N [-delay_time=SECONDS] [-dry_run]" >&2
  exit 2
}

[ $# -ge 2 ] || usage
action=$1
cluster=$2
shift 2
is_cluster_id "$cluster" || usage
case "$action" in
  -sync)
    delay=""
    seen=0
    while [ $# -gt 0 ]; do
      case "$1" in
        -delay_time=*) delay=${1#-delay_time=} ;;
        -delay_time) [ $# -ge 2 ] || usage; delay=$2; shift ;;
        *) usage ;;
      esac
      seen=$((seen + 1))
      shift
    done
    # Exactly one delay, digits only: a runbook typo ("1h", "-5", "") is a usage error, not a guess.
    [ "$seen" -eq 1 ] || usage
    [[ "$delay" =~ ^[0-9]+$ ]] || usage
    drsp sync "$cluster" --delay "$delay"
    ;;
  -status)
    case $# in
      0) drsp status "$cluster" ;;
      1) case "$1" in -json | --json) drsp status "$cluster" --json ;; *) usage ;; esac ;;
      *) usage ;;
    esac
    ;;
  -stopsync) [ $# -eq 0 ] || usage; drsp stopsync "$cluster" ;;
  -recover)  [ $# -eq 0 ] || usage; drsp recover "$cluster" ;;
  -service)  [ $# -eq 0 ] || usage; drsp service "$cluster" ;;
  -stopservice) [ $# -eq 0 ] || usage; drsp stopservice "$cluster" ;;
  -flashback) [ $# -eq 0 ] || usage; drsp flashback "$cluster" ;;
  -purge)    [ $# -eq 0 ] || usage; drsp purge "$cluster" ;;
  -switchback)
    args=()
    delays=0
    dry=0
    while [ $# -gt 0 ]; do
      case "$1" in
        -delay_time=*) args+=(--delay "${1#-delay_time=}"); delays=$((delays + 1)) ;;
        -delay_time) [ $# -ge 2 ] || usage; args+=(--delay "$2"); delays=$((delays + 1)); shift ;;
        -dry_run) args+=(--dry-run); dry=$((dry + 1)) ;;
        *) usage ;;
      esac
      shift
    done
    [ "$delays" -le 1 ] && [ "$dry" -le 1 ] || usage
    if [ "$delays" -eq 1 ]; then
      for ((i = 0; i < ${#args[@]}; i++)); do
        [ "${args[$i]}" = "--delay" ] && { [[ "${args[$((i + 1))]}" =~ ^[0-9]+$ ]] || usage; }
      done
    fi
    drsp switchback "$cluster" "${args[@]}"
    ;;
  *) usage ;;
esac
