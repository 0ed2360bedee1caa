#!/usr/bin/env bash
# The demo: a local production + DR sandbox of real MySQL 8 instances, driven the way a DBA drives drsp.
# Each step is printed with its duration. Set DRSP_DEMO_KEEP=1 to leave the sandbox running afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

DRSP=drsp-cli/target/drsp/bin/drsp
DIR=var/demo
step_no=0
step() {
  step_no=$((step_no + 1))
  echo
  echo "== step $step_no: $1"
  shift
  local t0 t1
  t0=$(date +%s%N)
  "$@"
  t1=$(date +%s%N)
  local ms=$(( (t1 - t0) / 1000000 ))
  printf -- "-- step %d took %d.%01d s\n" "$step_no" $((ms / 1000)) $(((ms % 1000) / 100))
}
HA=var/demo-ha
TLS=var/demo-tls
cleanup() {
  if [ "${DRSP_DEMO_KEEP:-0}" != 1 ] && [ -f "$TLS/sandbox.properties" ]; then
    $DRSP sandbox down --dir "$TLS" # and its controller
  fi
  if [ "${DRSP_DEMO_KEEP:-0}" != 1 ] && [ -f "$DIR/sandbox.properties" ]; then
    echo; echo "== tearing the sandbox down (DRSP_DEMO_KEEP=1 keeps it)"
    $DRSP sandbox down --dir "$DIR" # also stops the controller serving it
  fi
  if [ -f "$HA/state/agent.pid" ]; then kill "$(cat "$HA/state/agent.pid")" 2>/dev/null || true; rm -f "$HA/state/agent.pid"; fi
  if [ "${DRSP_DEMO_KEEP:-0}" != 1 ] && [ -f "$HA/sandbox.properties" ]; then
    $DRSP sandbox down --dir "$HA" # and its three controllers
  fi
}
trap cleanup EXIT

for d in "$HA" "$TLS"; do
  if [ -f "$d/sandbox.properties" ]; then
    $DRSP sandbox down --dir "$d"
  fi
done
if [ -f "$DIR/sandbox.properties" ]; then
  # A sandbox kept by an earlier DRSP_DEMO_KEEP=1 run: sandbox up refuses a running one, so start from scratch.
  echo "== taking down the sandbox an earlier run kept in $DIR"
  $DRSP sandbox down --dir "$DIR"
fi

step "start production cluster 1 and DR cluster 1 (meta + 2 shards each, 1 local replica per DR shard) and the control database" \
  $DRSP sandbox up --dir "$DIR" --shards 2 --replicas 1
export DRSP_CONF="$DIR/drsp.conf"
step "start the drsp controller (journal in the control database, API on 127.0.0.1 with a token)" \
  $DRSP controller --daemon
step "AllControl.sh -sync 1 -delay_time=20: DR cluster 1 follows production 20 s behind (the recoverable window is those 20 s)" \
  scripts/AllControl.sh -sync 1 -delay_time=20
echo
echo "== bank workload on production in the background: 100 transfers/s for 15 s, half of them across two shards as one XA"
echo "   transaction, 5 % of those abandoned part-way by a 'killed' coordinator and resolved 3 s later"
$DRSP sandbox workload --dir "$DIR" --rate 100 --seconds 15 --abandon 0.05 > "$DIR/workload.out" 2>&1 &
workload=$!
sleep 4 # let the workload run a while before looking; this is a demo's pacing, not a wait for a condition
step "AllControl.sh -status 1 (workload running): applied production time trails by the delay, lag beyond it stays small" \
  scripts/AllControl.sh -status 1
sleep 5
step "AllControl.sh -status 1 again, 5 s later: the delay still holds, the relay backlog grows" \
  scripts/AllControl.sh -status 1
wait $workload
echo; cat "$DIR/workload.out"
metrics_port=$(sed -n 's/.*metrics { host = "127.0.0.1", port = \([0-9]*\) }.*/\1/p' "$DIR/drsp.conf")
step "curl http://127.0.0.1:$metrics_port/metrics: what Prometheus scrapes (a few of drsp's series; deploy/ has the alert rules and a dashboard)" \
  sh -c "curl -s http://127.0.0.1:$metrics_port/metrics | grep -E '^drsp_(mode_info|replication_lag_seconds|relay_backlog_transactions|rpo_seconds|recoverable_window|shard_up)' | head -20"
step "sandbox status: every instance, its GTID count and replication" \
  $DRSP sandbox status --dir "$DIR"
step "AllControl.sh -stopsync 1: stop every link, keep the relay log (production is 'lost' from here)" \
  scripts/AllControl.sh -stopsync 1
target=$(date -d '-8 seconds' '+%Y-%m-%d %H:%M:%S.%6N')
step "bat_mod_relaytime.sh 1 \"$target\": recover to 8 s before the loss (checked against the recoverable window)" \
  scripts/bat_mod_relaytime.sh 1 "$target"
step "drsp recover 1 --dry-run: per shard what would be replayed, and (xa:) which cross-shard transactions each completes or leaves out so that every transfer is on all its shards or none; nothing changes" \
  $DRSP recover 1 --dry-run
step "AllControl.sh -recover 1: every DR shard replays its relay log to exactly that point, in parallel" \
  scripts/AllControl.sh -recover 1
step "the DR bank after recovery: balances hold, every cross-shard transfer is on both its shards or neither, nothing left prepared" \
  $DRSP sandbox check --dir "$DIR" --site dr
step "AllControl.sh -service 1: snapshot point persisted, DR writable, start_dbproxy hook run" \
  scripts/AllControl.sh -service 1
step "drsp snapshots 1 and the hook log" \
  sh -c "$DRSP snapshots 1; cat $DIR/hooks/dbproxy.log"
step "drill traffic: bank transfers on the DR cluster in service for 8 s, half of them cross-shard XA" \
  $DRSP sandbox workload --dir "$DIR" --site dr --rate 100 --seconds 8
step "AllControl.sh -stopservice 1: stop_dbproxy, wait for open transactions, read-only again" \
  scripts/AllControl.sh -stopservice 1
step "drsp stopservice 1 --site production: switchback's first step fences production (its stop_dbproxy hook, open transactions drained, every primary super_read_only)" \
  $DRSP stopservice 1 --site production
step "drsp laststamp 1 --dry-run: switchback's second step, planned: per production shard, what production executed after the recovery point (what the failover lost) that laststamp would archive and roll back; nothing changes" \
  $DRSP laststamp 1 --dry-run
step "drsp service 1 --site production: this time the DBA calls the switchback off, and production gets its applications back (a real switchback follows below)" \
  $DRSP service 1 --site production
step "drsp flashback 1 --dry-run: what the drill wrote per shard, checked reversible, nothing changes" \
  $DRSP flashback 1 --dry-run
step "AllControl.sh -flashback 1: archive the drill's SQL, undo it on every shard in parallel, wait for the local replicas" \
  scripts/AllControl.sh -flashback 1
step "AllControl.sh -purge 1: every member's GTID set back to the snapshot point, checksums equal the snapshot's" \
  scripts/AllControl.sh -purge 1
step "the DR bank balances are the recovery point's again" \
  $DRSP sandbox check --dir "$DIR" --site dr
step "AllControl.sh -sync 1 -delay_time=20: delayed sync resumes where the relay log stood, as if there had been no drill" \
  scripts/AllControl.sh -sync 1 -delay_time=20
step "AllControl.sh -status 1" \
  scripts/AllControl.sh -status 1
echo
echo "== a real failover, then switchback: production is 'lost' again; DR recovers everything it retrieved and serves"
sleep 2 # a moment of production traffic (heartbeats) for DR to retrieve; the demo's pacing, not a condition
step "AllControl.sh -stopsync 1, then bat_mod_relaytime.sh 1 \"\" and AllControl.sh -recover 1: recover all retrieved relay log" \
  sh -c "scripts/AllControl.sh -stopsync 1 && scripts/bat_mod_relaytime.sh 1 '' && scripts/AllControl.sh -recover 1"
step "AllControl.sh -service 1: DR serves (snapshot point with checksums, start_dbproxy)" \
  scripts/AllControl.sh -service 1
step "DR serves the bank for 6 s (cross-shard XA)" \
  $DRSP sandbox workload --dir "$DIR" --site dr --rate 100 --seconds 6
step "production, not really lost here, went on writing after the failover for 4 s: what switchback must take out of it and archive" \
  $DRSP sandbox workload --dir "$DIR" --rate 100 --seconds 4
step "AllControl.sh -switchback 1 -dry_run: every step switchback would run from where both sites stand, and laststamp's plan per production shard; nothing changes" \
  scripts/AllControl.sh -switchback 1 -dry_run
step "AllControl.sh -switchback 1 -delay_time=20: fence production, archive and flash back what it wrote after the recovery point, check it against the DR snapshot's checksums, purge it to the point, let it catch up from DR, stop DR, let production serve, and make DR follow it again" \
  scripts/AllControl.sh -switchback 1 -delay_time=20
step "both banks after the switchback: production holds DR's transfers, balances hold on both sites" \
  sh -c "$DRSP sandbox check --dir $DIR --site production && $DRSP sandbox check --dir $DIR --site dr"
step "AllControl.sh -status 1: production serves, DR follows it 20 s behind" \
  scripts/AllControl.sh -status 1
echo
echo "what switchback took out of production, per shard (forward SQL re-applies it by hand, reverse SQL undid it):"
find "$DIR/state/archive/1" -path '*switchback-*' -type f | sort | while read -r f; do printf '  %s (%s bytes)\n' "$f" "$(stat -c %s "$f")"; done
head -9 "$(find "$DIR/state/archive/1" -path '*switchback-*' -name summary.txt | sort | tail -1)"
echo
echo "the drill's forward and reverse SQL, per shard:"
find "$DIR/state/archive" -name '*.sql' | sort | while read -r f; do printf '  %s (%s bytes)\n' "$f" "$(stat -c %s "$f")"; done

echo
echo "== controller high availability: three controllers form one Pekko cluster with the agents; the oldest drives the pair."
echo "   kill -9 it and another takes the pair over from the journal under a new takeover epoch (agents refuse the old one)"
# The next controller's status after a kill: polling with a deadline, as a script would.
owner_of() { $DRSP status 1 --config "$HA/drsp.conf" | sed -n 's/^controllers:.* \(c[0-9]\) (up, drives).*/\1/p'; }
await_owner() { # $1: a controller that must not be the owner (or "")
  local deadline=$(( $(date +%s) + 120 )) o
  while [ "$(date +%s)" -lt "$deadline" ]; do
    o=$(owner_of 2>/dev/null || true)
    if [ -n "$o" ] && [ "$o" != "$1" ] && $DRSP status 1 --json --config "$HA/drsp.conf" | grep -q '"registered" : 4'; then
      echo "$o drives cluster 1"; return 0
    fi
    sleep 0.5
  done
  echo "no controller took cluster 1 over within 120 s" >&2; return 1
}
step "a second, small sandbox (1 shard) whose drsp.conf lists three controllers c1, c2, c3 under drsp.controller.peers" \
  $DRSP sandbox up --dir "$HA" --shards 1 --controllers 3
mkdir -p "$HA/state"
step "drsp agent --node ... : the agents of every instance in a process of their own (one per database host in production)" \
  sh -c "$DRSP agent --config $HA/drsp.conf --node 1/production/meta --node 1/production/s1 --node 1/dr/meta --node 1/dr/s1 \
    >> $HA/state/agent.log 2>&1 & echo \$! > $HA/state/agent.pid"
step "drsp controller --daemon --name c1 (then c2, c3): three controllers, each with its own API, all serving the same pairs" \
  sh -c "for c in c1 c2 c3; do $DRSP controller --daemon --name \$c --config $HA/drsp.conf || exit 1; done"
step "wait until a controller drives cluster 1 and every agent registered" await_owner ""
step "drsp sync 1 --delay 0 and drsp status 1: the controllers, which one drives, and its takeover epoch" \
  sh -c "$DRSP sync 1 --delay 0 --config $HA/drsp.conf && $DRSP status 1 --config $HA/drsp.conf"
OWNER=$(owner_of)
KILLED_AT=$(date +%s%N)
step "kill -9 the controller that drives ($OWNER), as a host lost in the middle of the night would be" \
  sh -c "kill -9 \$(cat $HA/state/controller-$OWNER.pid)"
step "wait for the takeover (failure detection, 7 s for the split to be stable, Pekko's removal margin, the journal's recovery)" \
  await_owner "$OWNER"
echo "   taken over $(( ($(date +%s%N) - KILLED_AT) / 1000000 )) ms after the kill"
step "drsp status 1 through any controller: the new owner, epoch + 1, $OWNER no longer up; DR still syncs" \
  $DRSP status 1 --config "$HA/drsp.conf"


echo
echo "== transport security: with drsp.tls set, controllers and agents talk over TLS with mutual authentication, and every"
echo "   MySQL session drsp opens and every DR link it makes verify the server's certificate against the CA"
# What MySQL itself says about each connection of drsp's (they name themselves program_name=drsp) and each DR link
# (a binlog dump thread on the source): its TLS cipher, or 'in the clear'. Read with the mysql client, itself in the clear.
tls_report() {
  local mysql user ep
  mysql=$(ls -d "${DRSP_MYSQL_HOME:-$HOME/.cache/drsp}"/mysql-*/bin/mysql | grep -v template | head -1)
  user=$(sed -n 's/.*admin { name = "\([^"]*\)".*/\1/p' "$TLS/drsp.conf")
  # each instance's endpoint and what it is, from the drsp.conf the sandbox wrote
  awk '/control-db/ { match($0, /127\.0\.0\.1:[0-9]+/); print substr($0, RSTART, RLENGTH), "control-db" }
       /production \{ shards/ { site = "production" } /dr \{ shards/ { site = "dr" }
       /primary = / { match($0, /127\.0\.0\.1:[0-9]+/); print substr($0, RSTART, RLENGTH), site "/" $1 }' "$TLS/drsp.conf" |
  while read -r ep name; do
    MYSQL_PWD=$(cat "$TLS/secrets/admin") "$mysql" -h127.0.0.1 -P"${ep#*:}" -u"$user" --ssl-mode=DISABLED -N -e "
      SELECT CONCAT('  ', '$name', ' ($ep): ', COUNT(*), ' ', kind, ', ', cipher) FROM (
        SELECT IF(t.PROCESSLIST_COMMAND LIKE 'Binlog Dump%', 'DR link(s) served', 'drsp session(s)') AS kind,
               IF(s.VARIABLE_VALUE = '', 'in the clear', s.VARIABLE_VALUE) AS cipher
        FROM performance_schema.threads t
        LEFT JOIN performance_schema.session_connect_attrs a ON a.PROCESSLIST_ID = t.PROCESSLIST_ID AND a.ATTR_NAME = 'program_name'
        JOIN performance_schema.status_by_thread s ON s.THREAD_ID = t.THREAD_ID AND s.VARIABLE_NAME = 'Ssl_cipher'
        WHERE t.PROCESSLIST_COMMAND LIKE 'Binlog Dump%' OR a.ATTR_VALUE = 'drsp') c
      GROUP BY kind, cipher" < /dev/null 2>/dev/null
  done
}
step "a third small sandbox, made with --tls: its own CA, certificates for every mysqld, the controller and the agents, and a drsp.conf that uses TLS everywhere" \
  $DRSP sandbox up --dir "$TLS" --shards 1 --tls
echo "   the drsp.tls section it wrote:"; sed -n '/^  tls {/,/^  }/p' "$TLS/drsp.conf"
step "drsp controller --daemon: the API over HTTPS, Pekko remoting over TLS (mutual authentication), the journal's sessions verified against the CA" \
  sh -c "$DRSP controller --daemon --config $TLS/drsp.conf && { grep -m1 -o 'listening on .*' $TLS/state/logs/controller.log || true; }"
step "drsp sync 1 --delay 0, then drsp status 1: which DR links run over TLS" \
  sh -c "$DRSP sync 1 --delay 0 --config $TLS/drsp.conf && $DRSP status 1 --config $TLS/drsp.conf | grep 'over TLS'"
step "which connections use TLS, as each MySQL instance reports them (performance_schema: Ssl_cipher per connection)" tls_report

echo
echo "demo done: config at $DIR/drsp.conf"
