#!/bin/sh
# Flashback benchmark. Run from the repository root after `mvn -B -q -o -pl flashback install`:
#   bench/flashback/run.sh [rowChanges=1200000] [tables=4] [rowsPerTable=100000] [verifyImages=true] [batchRows=500] [workers=4]
set -e
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o -pl flashback dependency:build-classpath -Dmdep.outputFile="$PWD/target/flashback-bench.cp" -Dmdep.includeScope=test >/dev/null

exec java ${JAVA_OPTS} -Dorg.jooq.no-logo=true -Dorg.jooq.no-tips=true -Xmx256m -XX:+UseSerialGC -cp "flashback/target/classes:$(cat target/flashback-bench.cp)" \
    bench/flashback/FlashbackBench.java "$@"
