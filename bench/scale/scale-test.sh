#!/usr/bin/env bash
# The scale scenario of issue 16 (tests/src/test/java/io/drsp/tests/ScaleTest.java) at each shard count given
# (default: 2 8 16), one after another, each a sandbox with one local replica per DR shard under the bank workload.
# Each run writes tests/target/scale-results/times-N.tsv (every command's wall time, the load average after it) and
# status-N.tsv (every status API call's latency); bench/scale/SCALE.md holds the committed results.
# Never mvn install: the modules are built here with -am, offline.
set -euo pipefail
cd "$(dirname "$0")/../.."
shards=("$@")
[ ${#shards[@]} -eq 0 ] && shards=(2 8 16)
for n in "${shards[@]}"; do
  mvn -B -o verify -pl tests -am -Dgroups=scale -DexcludedGroups= -Dtest=ScaleTest \
      -Dsurefire.failIfNoSpecifiedTests=false -Ddrsp.scale.shards="$n"
  cat "tests/target/scale-results/times-$n.tsv"
done
