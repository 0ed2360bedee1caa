#!/usr/bin/env bash
# bat_mod_relaytime.sh: set the recovery target of a stopped DR cluster, as existing runbooks call it.
#   bat_mod_relaytime.sh N "yyyy-MM-dd HH:mm:ss[.ffffff]"   recover to that production time (cluster's time zone)
#   bat_mod_relaytime.sh N ""                              recover all retrieved relay log
#   bat_mod_relaytime.sh N --gtid "uuid:1-100,..."         recover to a GTID set naming every shard's source
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
# Exit codes: 0 done, 1 refused or failed (one sentence on stderr), 2 usage.
set -uo pipefail
DRSP="${DRSP_BIN:-$(cd "$(dirname "$0")/.." && pwd)/drsp-cli/target/drsp/bin/drsp}"

usage() {
  echo "usage: bat_mod_relaytime.sh N \"yyyy-MM-dd HH:mm:ss\" | N \"\" | N --gtid SET" >&2
  exit 2
}

drsp() {
  if [ ! -x "$DRSP" ]; then
    echo "bat_mod_relaytime.sh: no drsp command at $DRSP; build it with scripts/setup.sh or set DRSP_BIN." >&2
    exit 1
  fi
  exec "$DRSP" "$@"
}

[ $# -ge 1 ] || usage
# A cluster id is never empty and never looks like a flag.
case "$1" in
  "" | -*) usage ;;
esac
case $# in
  2) [ "$2" = "--gtid" ] && usage # the set is missing
     [ -z "$2" ] && drsp relaytime "$1" --all
     drsp relaytime "$1" --time "$2" ;;
  3) [ "$2" = "--gtid" ] && [ -n "$3" ] || usage
     drsp relaytime "$1" --gtid "$3" ;;
  *) usage ;;
esac
