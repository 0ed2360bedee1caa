#!/usr/bin/env bash
# The whole test suite against real MySQL instances the sandbox starts (no Docker, no mocks).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mvn -B verify "$@"
