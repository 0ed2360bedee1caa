#!/bin/sh
# Switchback benchmark. Run from the repository root:
#   bench/switchback/run.sh [rounds=1] [rowChangesPerShard=100000]
# The classpath is this checkout's module classes, compiled and copied to target/bench-switchback-cp/ first (so a
# rebuild while the benchmark runs cannot change them), and the third-party jars Maven resolves for the tests module
# (bench/reactor-classpath.sh, shared with the soak and rpo-rto benchmarks): ~/.m2's io.drsp jars are never used.
set -e
cd "$(dirname "$0")/../.."
. bench/reactor-classpath.sh
reactor_classpath switchback
exec java ${JAVA_OPTS} -Xmx1g -Dlogback.configurationFile="$CP_DIR/logback.xml" \
  -cp "$cp" bench/switchback/SwitchbackBench.java "$@"
