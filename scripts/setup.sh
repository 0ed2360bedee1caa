#!/usr/bin/env bash
# Idempotent machine set-up and build: what a fresh Debian machine with Java 17 and Maven needs to run drsp.
set -euo pipefail
cd "$(dirname "$0")/.."

have_libaio() {
  ldconfig -p 2>/dev/null | grep -q 'libaio\.so\.1 ' || ls /lib/x86_64-linux-gnu/libaio.so.1 /usr/lib/x86_64-linux-gnu/libaio.so.1 >/dev/null 2>&1
}

if ! have_libaio; then
  echo "setup: installing libaio1 (MySQL 8 needs libaio.so.1)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  if ! $SUDO apt-get install -y -qq libaio1 >/dev/null 2>&1; then
    # Debian 13 renamed it; mysqld still asks for the old soname.
    $SUDO apt-get install -y -qq libaio1t64 >/dev/null
    $SUDO ln -sf /usr/lib/x86_64-linux-gnu/libaio.so.1t64 /usr/lib/x86_64-linux-gnu/libaio.so.1
  fi
fi

# promtool checks and unit-tests deploy/prometheus/drsp-alerts.yml (AlertRulesTest); the prometheus binary is for
# running a real server against the controller by hand or in a test. Only the binaries are wanted: the package's own
# service (it would scrape localhost:9090 and keep a TSDB under /var/lib/prometheus) is stopped and disabled.
if ! command -v promtool >/dev/null; then
  echo "setup: installing prometheus (promtool checks and tests deploy/prometheus/drsp-alerts.yml)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  if [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now prometheus.service >/dev/null 2>&1 || true
  else
    $SUDO service prometheus stop >/dev/null 2>&1 || true
    $SUDO update-rc.d prometheus disable >/dev/null 2>&1 || true
  fi
fi

command -v java >/dev/null || { echo "setup: java 17 is required (apt-get install -y openjdk-17-jdk-headless)"; exit 1; }
command -v mvn >/dev/null || { echo "setup: Maven is required (apt-get install -y maven)"; exit 1; }

# Resolves everything, the MySQL server artifact included, and builds drsp-cli/target/drsp/{bin,lib}, with the
# class-data-sharing archive lib/drsp.jsa that makes each short drsp command start in about half the time.
mvn -B -q install -DskipTests
if [ -s drsp-cli/target/drsp/lib/drsp.jsa ]; then
  echo "setup: built drsp-cli/target/drsp/bin/drsp and its class-data-sharing archive lib/drsp.jsa"
else
  # The build tolerates a JVM that cannot make one; drsp works without it, only starts slower.
  echo "setup: built drsp-cli/target/drsp/bin/drsp, but no class-data-sharing archive; try drsp-cli/target/drsp/bin/drsp-cds"
fi
