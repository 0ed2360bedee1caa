#!/bin/sh
# Time `drsp sandbox up` of production and DR with 2 shards each plus meta and the control database
# (7 mysqld instances), from nothing to every instance accepting connections with replication users set up.
#   bench/sandbox/run.sh [runs=3]
# Run from anywhere after scripts/setup.sh; the MySQL cache (~/.cache/drsp) is already unpacked by then,
# so this is the warm start a DBA sees every time after the first.
set -e
cd "$(dirname "$0")/../.."
runs=${1:-3}
drsp=drsp-cli/target/drsp/bin/drsp
dir=var/bench-sandbox
$drsp sandbox down --dir "$dir" >/dev/null 2>&1 || true
i=1
while [ "$i" -le "$runs" ]; do
  start=$(date +%s%N)
  $drsp sandbox up --dir "$dir" --shards 2 >/dev/null
  end=$(date +%s%N)
  $drsp sandbox down --dir "$dir" >/dev/null
  echo "run $i: $(awk -v ns=$((end - start)) 'BEGIN { printf "%.2f", ns / 1e9 }') s"
  i=$((i + 1))
done
