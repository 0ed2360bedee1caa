#!/usr/bin/env bash
# Times the whole 'drsp status CLUSTER' process N times against a running controller and prints the median, and the
# same for the API call alone (curl with the token), so JVM start and the controller's answer can be told apart.
#   DRSP_CONF=var/demo/drsp.conf bench/scale/cli-start.sh [CLUSTER] [N]
# Extra JVM flags to compare go in DRSP_JAVA_OPTS (they replace the launcher's defaults, not its CDS archive).
set -euo pipefail
cd "$(dirname "$0")/../.."
DRSP=${DRSP:-drsp-cli/target/drsp/bin/drsp}
CLUSTER=${1:-1}
N=${2:-10}
: "${DRSP_CONF:?DRSP_CONF must name the configuration of a running controller}"

median() { sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%d", m}'; }

"$DRSP" status "$CLUSTER" >/dev/null # the controller answers, and the page cache holds the jars
# Wall time is what a script waits; CPU time (user + sys) is what the run costs and depends far less on what else
# the machine's two cores are doing, so both are reported.
cli=()
cpu=()
for _ in $(seq "$N"); do
  t0=$(date +%s%N)
  /usr/bin/time -f '%U %S' -o /tmp/drsp-cli-start.$$ "$DRSP" status "$CLUSTER" >/dev/null
  t1=$(date +%s%N)
  cli+=($(( (t1 - t0) / 1000000 )))
  cpu+=($(awk '{printf "%d", ($1 + $2) * 1000}' /tmp/drsp-cli-start.$$))
done
rm -f /tmp/drsp-cli-start.$$

conf_dir=$(dirname "$DRSP_CONF")
port=$(sed -n 's/.*http { host = "[^"]*", port = \([0-9]*\) }.*/\1/p' "$DRSP_CONF" | head -1)
token_file=$(sed -n 's/.*token-file = "\([^"]*\)".*/\1/p' "$DRSP_CONF" | head -1)
case "$token_file" in /*) ;; *) token_file="$conf_dir/$token_file" ;; esac
api=()
for _ in $(seq "$N"); do
  s=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $(cat "$token_file")" \
    "http://127.0.0.1:$port/api/v1/clusters/$CLUSTER/status")
  api+=($(awk -v s="$s" 'BEGIN {printf "%d", s * 1000}'))
done

echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "drsp status $CLUSTER, whole process, $N runs: median $(printf '%s\n' "${cli[@]}" | median) ms (${cli[*]})"
echo "  CPU (user + sys) per run: median $(printf '%s\n' "${cpu[@]}" | median) ms (${cpu[*]})"
echo "GET /api/v1/clusters/$CLUSTER/status alone, $N runs: median $(printf '%s\n' "${api[@]}" | median) ms (${api[*]})"
