# Sourced by the benchmarks' run.sh, from the repository root: reactor_classpath NAME compiles this checkout
# (mvn test-compile, offline; nothing is installed) and sets $cp to its module classes, copied to
# target/bench-NAME-cp/ first so a rebuild while the benchmark runs cannot change them, and the third-party jars Maven
# resolves for the tests module: ~/.m2's io.drsp jars are refused, never used. It also writes
# target/bench-NAME-cp/logback.xml: the tests' logging setup, library lines to target/bench-NAME.log, not the terminal.
reactor_classpath() {
  name=$1
  mkdir -p target
  CP_DIR="$PWD/target/bench-$name-cp"
  mvn -B -q -o -pl tests -am test-compile dependency:build-classpath -Dmdep.outputFile="$PWD/target/bench-$name.cp" \
    -Dmdep.includeScope=test >/dev/null
  rm -rf "$CP_DIR"
  mkdir -p "$CP_DIR"
  cp=""
  OLD_IFS=$IFS
  IFS=:
  for entry in $(cat "target/bench-$name.cp"); do
    case "$entry" in
      "$HOME/.m2/repository/io/drsp/"*)
        echo "refusing the installed drsp jar $entry: the reactor should have resolved it to this checkout's classes" >&2
        exit 1 ;;
      "$PWD"/*/target/classes)
        copy="$CP_DIR/$(echo "${entry#"$PWD"/}" | tr / _)"
        cp -r "$entry" "$copy"
        entry="$copy" ;;
    esac
    cp="${cp:+$cp:}$entry"
  done
  IFS=$OLD_IFS
  sed "s#<file>target/e2e.log</file>#<file>target/bench-$name.log</file>#" tests/src/test/resources/logback-test.xml \
    > "$CP_DIR/logback.xml"
}
