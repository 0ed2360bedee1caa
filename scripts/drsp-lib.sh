# Sourced by the runbook scripts (AllControl.sh, bat_mod_relaytime.sh): where the drsp command is, and how it is run.
# drsp.conf comes from $DRSP_CONF (or conf/drsp.conf); the drsp command from $DRSP_BIN (or this checkout's build).
DRSP="${DRSP_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/drsp-cli/target/drsp/bin/drsp}"

# Runs drsp in place of the script, so its exit code and its one sentence are the script's.
drsp() {
  if [ ! -x "$DRSP" ]; then
    echo "$(basename "$0"): no drsp command at $DRSP; build it with scripts/setup.sh or set DRSP_BIN." >&2
    exit 1
  fi
  exec "$DRSP" "$@"
}

# A cluster id is never empty and never looks like a flag (a runbook that lost its N must not act on "-json").
is_cluster_id() {
  case "$1" in
    "" | -*) return 1 ;;
  esac
  return 0
}
