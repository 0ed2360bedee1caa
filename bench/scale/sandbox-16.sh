#!/usr/bin/env bash
# Starts the 16-shard sandbox (production meta + 16, DR meta + 16 each with a local replica, control: 52 mysqld),
# prints its start time, the AIO slots it reserved and its servers' summed RSS, before and after a 30 s bank
# workload, then takes it down. Needs a built launcher (scripts/setup.sh). Usage: bench/scale/sandbox-16.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
DRSP=drsp-cli/target/drsp/bin/drsp
DIR=${1:-/tmp/drsp-scale16}
trap '$DRSP sandbox down --dir "$DIR" >/dev/null' EXIT

rss() { # summed RSS of this sandbox's mysqld only: other servers may run on the host
  ps -C mysqld -o rss=,args= | grep -F -- "--datadir=$DIR/" \
    | awk '{s+=$1; n++; if ($1>m) m=$1} END {printf "%d mysqld, RSS %.0f MiB (mean %.0f, max %.0f)\n", n, s/1024, s/1024/n, m/1024}'
}

aio_before=$(cat /proc/sys/fs/aio-nr)
echo "fs.aio-max-nr $(cat /proc/sys/fs/aio-max-nr), fs.aio-nr $aio_before before; $(grep MemAvailable /proc/meminfo)"
t0=$(date +%s%N)
$DRSP sandbox up --dir "$DIR" --shards 16 --replicas 1 | tail -2
t1=$(date +%s%N)
aio_after=$(cat /proc/sys/fs/aio-nr)
echo "up took $(( (t1 - t0) / 1000000 )) ms (whole process); fs.aio-nr $aio_after: this sandbox reserved $((aio_after - aio_before)) AIO slots"
echo "after start: $(rss)"
$DRSP sandbox workload --dir "$DIR" --rate 100 --seconds 30 | head -1
echo "after a 30 s workload: $(rss)"
t0=$(date +%s%N)
$DRSP sandbox down --dir "$DIR" >/dev/null
t1=$(date +%s%N)
trap - EXIT
echo "down took $(( (t1 - t0) / 1000000 )) ms"
