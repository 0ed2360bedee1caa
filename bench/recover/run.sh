#!/bin/sh
# Recover overhead benchmark. Run from the repository root after a build (scripts/setup.sh):
#   bench/recover/run.sh [rounds=3] [transactionsPerRound=30000]
set -e
cd "$(dirname "$0")/../.."
mkdir -p target
mvn -B -q -o -pl tests dependency:build-classpath -Dmdep.outputFile="$PWD/target/recover-bench.cp" -Dmdep.includeScope=test >/dev/null
exec java ${JAVA_OPTS} -Xmx768m -Dlogback.configurationFile="$PWD/tests/src/test/resources/logback-test.xml" \
  -cp "$(cat target/recover-bench.cp)" bench/recover/RecoverBench.java "$@"
