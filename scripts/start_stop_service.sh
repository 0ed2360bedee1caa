#!/usr/bin/env bash
# start_stop_service.sh: run one site's proxy hook by hand, as a switchback run step by step does.
#   start_stop_service.sh -stop_dbproxy N [-site dr|production]    take the applications away (production by default)
#   start_stop_service.sh -start_dbproxy N [-site dr|production]   send them to the site (only while it serves)
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
# Exit codes: 0 done, 1 refused or failed (one sentence on stderr), 2 usage.
set -uo pipefail
. "$(dirname "$0")/drsp-lib.sh"

usage() {
  echo "usage: start_stop_service.sh -stop_dbproxy N | -start_dbproxy N [-site dr|production]" >&2
  exit 2
}

[ $# -eq 2 ] || [ $# -eq 4 ] || usage
case "$1" in
  -stop_dbproxy) action=--stop ;;
  -start_dbproxy) action=--start ;;
  *) usage ;;
esac
is_cluster_id "$2" || usage
site=production
if [ $# -eq 4 ]; then
  [ "$3" = "-site" ] || usage
  case "$4" in dr | production) site=$4 ;; *) usage ;; esac
fi
drsp dbproxy "$2" --site "$site" "$action"
