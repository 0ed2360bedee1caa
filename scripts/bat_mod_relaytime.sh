#!/usr/bin/env bash
# bat_mod_relaytime.sh: set the recovery target of a stopped DR cluster, as existing runbooks call it.
#   bat_mod_relaytime.sh N "yyyy-MM-dd HH:mm:ss[.ffffff]"   recover to that production time (cluster's time zone)
#   bat_mod_relaytime.sh N ""                              recover all retrieved relay log
#   bat_mod_relaytime.sh N --gtid "uuid:1-100,..."         recover to a GTID set naming every shard's source
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf). Exit codes: 0 done, 1 refused or failed, 2 usage.
set -uo pipefail
DRSP="${DRSP_BIN:-$(cd "$(dirname "$0")/.." && pwd)/drsp-cli/target/drsp/bin/drsp}"

usage() {
  echo "usage: bat_mod_relaytime.sh N \"yyyy-MM-dd HH:mm:ss\" | N \"\" | N --gtid SET" >&2
  exit 2
}

case $# in
  2) [ -z "$2" ] && exec "$DRSP" relaytime "$1" --all
     exec "$DRSP" relaytime "$1" --time "$2" ;;
  3) [ "$2" = "--gtid" ] || usage
     exec "$DRSP" relaytime "$1" --gtid "$3" ;;
  *) usage ;;
esac
