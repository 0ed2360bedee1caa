#!/bin/sh
# Island drill benchmark. Run from the repository root after a build (scripts/setup.sh):
#   bench/drill/run.sh [rounds=3] [rowChangesPerRound=100000]
set -e
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o -pl tests dependency:build-classpath -Dmdep.outputFile="$PWD/target/drill-bench.cp" -Dmdep.includeScope=test >/dev/null
exec java ${JAVA_OPTS} -Xmx1g -Dlogback.configurationFile="$PWD/tests/src/test/resources/logback-test.xml" \
  -cp "$(cat target/drill-bench.cp)" bench/drill/DrillBench.java "$@"
