#!/usr/bin/env bash
# Takeover time of a highly available controller cluster (issue 14): ControllerHaTest on a 2-shard sandbox with three
# controllers and a 'drsp agent' process, its scenarios (kill -9 mid-replay and mid-flashback, SIGSTOP, rolling restart)
# and then N more kills -9 of the owner during delayed sync, each measured from the kill to the takeover epoch the next
# owner journals and to the first step it runs (the journal's own write times).
# Usage: bench/ha/takeover.sh [N=5]. Results: tests/target/ha-results/takeover.tsv; bench/ha/TAKEOVER.md and results/ hold the standing ones.
# Never mvn install: the modules are built here with -am, offline. Run it alone: nothing else heavy beside it.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-5}
mvn -B -o verify -pl tests -am -Dtest=ControllerHaTest -Dsurefire.failIfNoSpecifiedTests=false -DexcludedGroups= \
    -Ddrsp.ha.takeovers="$n"
cat tests/target/ha-results/takeover.tsv
grep -h "median\|takeover\|pause\|rolling" tests/target/surefire-reports/io.drsp.tests.ControllerHaTest-output.txt || true
