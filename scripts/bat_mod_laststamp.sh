#!/usr/bin/env bash
# bat_mod_laststamp.sh: switchback steps 2 and 3 by hand, as existing runbooks call it. On a fenced production
# (start_stop_service.sh -stop_dbproxy N, then drsp stopservice N --site production), archive what every production
# shard executed after the DR cluster's recovery point under var/archive, flash it back, check the tables against
# the DR snapshot point and purge every member to the point.
#   bat_mod_laststamp.sh N "yyyy-MM-dd HH:mm:ss[.ffffff]"   the recovery point's own time (anything else is refused)
#   bat_mod_laststamp.sh N ""                              the recovery point, whatever its time
#   bat_mod_laststamp.sh N "..." -dry_run                  print the plan per production shard, change nothing
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
# Exit codes: 0 done, 1 refused or failed (one sentence on stderr), 2 usage.
set -uo pipefail
. "$(dirname "$0")/drsp-lib.sh"

usage() {
  echo "usage: bat_mod_laststamp.sh N \"yyyy-MM-dd HH:mm:ss\" [-dry_run] | N \"\" [-dry_run]" >&2
  exit 2
}

[ $# -ge 2 ] && [ $# -le 3 ] || usage
is_cluster_id "$1" || usage
case "$2" in -*) usage ;; esac
args=(laststamp "$1")
[ -n "$2" ] && args+=(--time "$2")
if [ $# -eq 3 ]; then
  [ "$3" = "-dry_run" ] || usage
  args+=(--dry-run)
fi
drsp "${args[@]}"
