#!/bin/sh
# Relay index benchmark. Run from the repository root after `mvn -B -q -o -pl drsp-agent install -DskipTests`:
#   bench/relay-index/run.sh [relayMiB=1100] [rowsPerTx=1000] [resultsFile=RESULTS.md]
# Makes >= 1 GB of relay log on a delayed sandbox DR, times drsp's full index build and `mysqlbinlog <files> > /dev/null`
# on the same files (median of 3 each), writes bench/relay-index/RESULTS.md and deletes the data (under target/).
set -e
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o -pl drsp-agent dependency:build-classpath -Dmdep.outputFile="$PWD/target/relay-bench.cp" -Dmdep.includeScope=test >/dev/null

exec java ${JAVA_OPTS} -Xmx512m -XX:+UseSerialGC -cp "drsp-agent/target/classes:$(cat target/relay-bench.cp)" \
    bench/relay-index/RelayIndexBench.java "$@"
