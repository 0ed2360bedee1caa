#!/bin/sh
# Switchback benchmark. Run from the repository root after a build (scripts/setup.sh):
#   bench/switchback/run.sh [rounds=1] [rowChangesPerShard=100000]
# The drsp jars (and any module classes dir) on the test classpath are copied to target/bench-switchback-cp/ first
# and the copies used, so a re-install of drsp into ~/.m2 while the benchmark runs cannot change or break it.
set -e
cd "$(dirname "$0")/../.."
mkdir -p target
CP_DIR="$PWD/target/bench-switchback-cp"
mvn -B -q -o -pl tests dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-switchback.cp" -Dmdep.includeScope=test >/dev/null
rm -rf "$CP_DIR"
mkdir -p "$CP_DIR"
DRSP_REPO="$HOME/.m2/repository/io/drsp/"
cp=""
OLD_IFS=$IFS
IFS=:
for entry in $(cat target/bench-switchback.cp); do
  case "$entry" in
    "$DRSP_REPO"*.jar)
      copy="$CP_DIR/$(basename "$entry")"
      # a jar caught half-written by a concurrent install fails this test: copy it again
      n=0
      until cp "$entry" "$copy" && unzip -tqq "$copy" >/dev/null 2>&1; do
        n=$((n + 1))
        [ $n -lt 10 ] || { echo "cannot copy an intact $entry" >&2; exit 1; }
        sleep 3
      done
      entry="$copy" ;;
    "$PWD"/*/target/classes|"$PWD"/*/target/test-classes)
      copy="$CP_DIR/$(echo "${entry#"$PWD"/}" | tr / _)"
      cp -r "$entry" "$copy"
      entry="$copy" ;;
  esac
  cp="${cp:+$cp:}$entry"
done
IFS=$OLD_IFS
# the tests' logging setup (library log lines to a file, not the terminal), writing to a file of the benchmark's own
sed 's#<file>target/e2e.log</file>#<file>target/bench-switchback.log</file>#' tests/src/test/resources/logback-test.xml \
  > "$CP_DIR/logback.xml"
echo "$cp" > "$CP_DIR/classpath"
exec java ${JAVA_OPTS} -Xmx1g -Dlogback.configurationFile="$CP_DIR/logback.xml" \
  -cp "$cp" bench/switchback/SwitchbackBench.java "$@"
