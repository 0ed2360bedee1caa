#!/bin/sh
# RPO and RTO figures of drsp against what really happens. Run from the repository root (it compiles the modules
# itself with mvn test-compile; nothing is installed):
#   bench/rpo-rto/run.sh [part=all|rto|rpo] [rate=120] [rto.warmup=30] [rto.delays=30,60,90] [rto.metaWarmup=3600]
#                          [rpo.delay=30] [rpo.traffic=40] [rpo.cuts=0,0,0,10,20,30,10q,20q,30q]
# With no argument it runs a short version of both parts (about 15 minutes); RESULTS.md gives the full command.
# rpo.cuts: one RPO round each, the seconds DR's receivers are stopped before production is killed (0: connected);
# a "q" suffix reads no drsp status before the kill (the metric then rests on the last 5-second collection).
# The classpath is this checkout's module classes (copied first, so a rebuild while it runs cannot change it) and
# the third-party jars Maven resolves for the tests module in the reactor: ~/.m2's io.drsp jars are never used.
set -e
cd "$(dirname "$0")/../.."
. bench/reactor-classpath.sh
reactor_classpath rpo-rto
if [ $# -eq 0 ]; then
  set -- rto.warmup=20 rto.delays=20,40,60 rpo.traffic=30 rpo.cuts=0,0,0,10,10q
fi
exec java ${JAVA_OPTS} -Xmx1g -Dlogback.configurationFile="$CP_DIR/logback.xml" \
  -cp "$cp" bench/rpo-rto/RpoRtoBench.java "$@"
