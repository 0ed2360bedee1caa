#!/bin/sh
# Compressed soak of drsp: hours of production bank traffic (cross-shard XA) with delayed sync, delay changes in place,
# recoveries and island drills in between, `drsp status 1 --json` every second from a separate JVM, and the controller
# as its own process (drsp controller --daemon), sampled every 30 s. Run from anywhere (it compiles this checkout with
# mvn test-compile; nothing is installed):
#   bench/soak/run.sh [minutes=15] [sync=120] [delays=30,90,60] [rate=60] [sample=30] [key=value ...]
# The short reproduction is `bench/soak/run.sh minutes=15`; the long one `bench/soak/run.sh minutes=120`.
# Results: target/bench-soak/{samples.csv,commands.csv,report.md} (RESULTS.md is a committed report.md); the exit code
# is 1 when an assertion failed (report.md says which), 2 when the run itself broke.
# The classpath is this checkout's module classes (copied first, so a rebuild while it runs cannot change it) and
# the third-party jars Maven resolves for the tests module in the reactor: ~/.m2's io.drsp jars are never used.
set -e
cd "$(dirname "$0")/../.."
. bench/reactor-classpath.sh
reactor_classpath soak
commit=$(git rev-parse --short HEAD)
if ! git diff --quiet HEAD -- . ':!bench/soak/RESULTS.md' 2>/dev/null; then
  commit="$commit+uncommitted"
fi
exec java ${JAVA_OPTS} -Xmx768m -Dlogback.configurationFile="$CP_DIR/logback.xml" -Dsoak.commit="$commit" \
  -Dsoak.command="bench/soak/run.sh $*" -cp "$cp" bench/soak/SoakBench.java "$@"
