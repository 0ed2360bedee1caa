#!/usr/bin/env bash
# bat_mod_relaytime.sh: set the recovery target of a stopped DR cluster, as existing runbooks call it.
#   bat_mod_relaytime.sh N "yyyy-MM-dd HH:mm:ss[.ffffff]"   recover to that production time (cluster's time zone)
#   bat_mod_relaytime.sh N ""                              recover all retrieved relay log
#   bat_mod_relaytime.sh N --gtid "uuid:1-100,..."         recover to a GTID set naming every shard's source
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
# Exit codes: 0 done, 1 refused or failed (one sentence on stderr), 2 usage.
set -uo pipefail
. "$(dirname "$0")/drsp-lib.sh"

usage() {
  echo "usage: bat_mod_relaytime.sh N \"yyyy-MM-dd HH:mm:ss\" | N \"\" | N --gtid SET" >&2
  exit 2
}

[ $# -ge 1 ] || usage
is_cluster_id "$1" || usage
case $# in
  2) [ "$2" = "--gtid" ] && usage # the set is missing
     [ -z "$2" ] && drsp relaytime "$1" --all
     drsp relaytime "$1" --time "$2" ;;
  3) [ "$2" = "--gtid" ] && [ -n "$3" ] || usage
     drsp relaytime "$1" --gtid "$3" ;;
  *) usage ;;
esac
