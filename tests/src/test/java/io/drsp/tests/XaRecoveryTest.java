package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.Controller;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import io.drsp.sandbox.bank.XaJournal;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Recovery of a bank that moves money across shards with XA (DESIGN §7), on real servers. Production runs the bank
 * workload with half of its transfers cross-shard and some coordinators "killed" part-way; DR keeps it all in the
 * relay log (delay 3600 s), then recovers forward, time after time, on one DR. After each recovery the data alone is
 * the oracle: every cross-shard transfer is journaled on both its shards or on neither, each account's balance is
 * its opening balance moved by exactly the transfers its shard journals, the bank's total holds, {@code XA RECOVER}
 * is empty on every DR member, DR's GTID sets stay within production's, and each shard stands exactly at the
 * recorded point. Then sync resumes and DR ends equal to production.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class XaRecoveryTest {
    static final Path DIR = Path.of("target/xa-recovery").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final int RECOVERIES = Integer.getInteger("drsp.xa.recoveries", 8);
    static final int PLANNED = Integer.getInteger("drsp.xa.planned", 200);
    static Sandbox sandbox;
    static Controller controller;
    static DrspConfig config;
    static String conf;
    static long start;
    static long end;
    static BankWorkload.Stats stats;
    /** Per shard, production's binlog read by mysqlbinlog once the workload stopped. */
    static final Map<String, List<BinlogOracle.Transaction>> binlogs = new HashMap<>();

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
        conf = sandbox.configFile().toString();
        config = DrspConfig.load(sandbox.configFile());
        controller = Controller.start(config, Set.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 40);
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode(), "sync with a delay DR never reaches");
        start = nowMicros();
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 40, 4, 120, SEED).withCrossShard(0.5, 0.15, 1.5).start();
        try {
            Await.until(Duration.ofSeconds(180), () -> {
                BankWorkload.Stats s = w.stats();
                return s.crossShardCommitted() >= 400 && s.abandoned() >= 30 && s.resolved() >= 20;
            }, "400 cross-shard transfers committed, 30 abandoned, 20 resolved on production");
        } finally {
            w.close();
        }
        stats = w.stop();
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        // The recoverable window ends at the last commit every DR shard retrieved, by production's binlogs.
        end = Long.MAX_VALUE;
        for (String shard : sandbox.shards()) {
            binlogs.put(shard, BinlogOracle.transactions(sandbox.production(shard)));
            GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
            end = Math.min(end, binlogs.get(shard).stream().filter(x -> retrieved.contains(x.gtid()))
                    .mapToLong(BinlogOracle.Transaction::originalCommitMicros).max().orElseThrow());
        }
        System.out.println("xa-recovery: seed " + SEED + ", workload " + stats);
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(controller, sandbox);
    }

    /**
     * Many targets, each checked by planning only (relaytime), against production's binlogs as MySQL's own mysqlbinlog
     * reads them: what each shard replays is a prefix of production's binlog, within the target time; with the XA
     * branches it completes, no branch is left prepared, every global transaction is committed on all the shards
     * that prepared it or on none, and it is committed exactly when production committed one of its branches at or
     * before the point the cluster stands for.
     */
    @Test
    @Order(1)
    void everyPlannedPointAgreesWithProductionsBinlogs() throws Exception {
        // status shows the latest consistent point: what relaytime --all plans. The controller searches for it in the
        // background from its start (the metrics collect status every few seconds), so only a point found after the
        // links stopped is the one relaytime --all finds now.
        long stopped = java.time.Instant.now().toEpochMilli() * 1000;
        JsonNode[] found = new JsonNode[1];
        Await.until(Duration.ofSeconds(90), () -> (found[0] = status().path("latestConsistentPoint")).path("micros").isNumber()
                && found[0].path("checkedAt").asLong() > stopped, "status shows the latest consistent recoverable time found since stopsync");
        JsonNode allPlan = relaytime(Map.of("all", true)).path("plan");
        assertEquals(allPlan.path("clusterTimeMicros").asLong(), found[0].path("micros").asLong(), "status's point is relaytime --all's");
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertTrue(table.out().contains("latest consistent recoverable time: "), table.out());
        Random random = new Random(SEED + 1);
        List<Long> behind = new ArrayList<>();
        int completing = 0;
        for (int i = 0; i < PLANNED; i++) {
            long t = start + (long) (random.nextDouble() * (end - start));
            String time = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, t * 1000).atZone(config.timeZone()));
            JsonNode answer = relaytime(Map.of("time", time));
            JsonNode plan = answer.path("plan");
            assertTrue(plan.isObject(), "target " + time + ": " + answer);
            long point = plan.path("clusterTimeMicros").asLong();
            behind.add(t - point);
            Map<String, GtidSet> included = new HashMap<>();
            for (JsonNode s : plan.path("shards")) {
                String shard = s.path("shard").asText();
                GtidSet replay = GtidSet.parse(s.path("targetGtids").asText());
                assertReplayIsABinlogPrefixWithin(time, shard, replay, binlogs.get(shard), t);
                GtidSet all = replay;
                for (JsonNode c : s.path("xaCompletions")) {
                    all = all.union(GtidSet.parse(c.asText().split(" ")[0]));
                }
                completing += s.path("xaCompletions").size() > 0 ? 1 : 0;
                included.put(shard, all);
            }
            assertXaConsistent("target " + time + " (point " + point + ")", included, binlogs, point);
        }
        behind.sort(null);
        System.out.println("xa-recovery: " + PLANNED + " planned targets, " + completing + " shard plans completing branches;"
                + " point before the target (µs): median " + behind.get(behind.size() / 2) + ", p99 "
                + behind.get((int) Math.ceil(behind.size() * 0.99) - 1) + ", max " + behind.get(behind.size() - 1));
        assertTrue(completing > 0, "some plan completed an XA branch, or this test proved nothing about them");
    }

    private static void assertReplayIsABinlogPrefixWithin(String what, String shard, GtidSet replay,
                                                          List<BinlogOracle.Transaction> binlog, long t) {
        boolean outside = false;
        for (BinlogOracle.Transaction x : binlog) {
            boolean in = replay.contains(x.gtid());
            assertTrue(!in || !outside, what + ": " + shard + " replays " + x.gtid() + " after leaving out an earlier transaction");
            assertTrue(!in || x.originalCommitMicros() <= t, what + ": " + shard + " replays " + x.gtid() + ", committed after the target");
            outside |= !in;
        }
    }

    private static void assertXaConsistent(String what, Map<String, GtidSet> included,
                                           Map<String, List<BinlogOracle.Transaction>> binlogs, long point) {
        Map<String, Long> firstCommit = new HashMap<>();
        Map<String, Set<String>> preparedOn = new HashMap<>();
        Map<String, Set<String>> committedOn = new HashMap<>();
        for (var e : binlogs.entrySet()) {
            String shard = e.getKey();
            Map<String, String> openBranches = new HashMap<>(); // xid -> gtrid, prepared within what is included
            for (BinlogOracle.Transaction x : e.getValue()) {
                if (x.xaPhase() == null || x.xaPhase().equals("ONE_PHASE")) {
                    continue;
                }
                String gtrid = x.xid().substring(0, x.xid().indexOf(','));
                boolean in = included.get(shard).contains(x.gtid());
                switch (x.xaPhase()) {
                    case "PREPARE" -> {
                        preparedOn.computeIfAbsent(gtrid, g -> new java.util.TreeSet<>()).add(shard);
                        if (in) {
                            openBranches.put(x.xid(), gtrid);
                        }
                    }
                    case "COMMIT" -> {
                        firstCommit.merge(gtrid, x.originalCommitMicros(), Math::min);
                        if (in) {
                            committedOn.computeIfAbsent(gtrid, g -> new java.util.TreeSet<>()).add(shard);
                        }
                        assertTrue(!in || openBranches.remove(x.xid()) != null, what + ": " + shard + " commits " + x.xid()
                                + " without its prepare");
                    }
                    default -> assertTrue(!in || openBranches.remove(x.xid()) != null, what + ": " + shard + " rolls back "
                            + x.xid() + " without its prepare");
                }
            }
            assertEquals(Map.of(), openBranches, what + ": " + shard + " would keep these branches prepared");
        }
        for (var e : preparedOn.entrySet()) {
            String gtrid = e.getKey();
            Set<String> committed = committedOn.getOrDefault(gtrid, Set.of());
            boolean committedAtPoint = firstCommit.containsKey(gtrid) && firstCommit.get(gtrid) <= point;
            assertTrue(committed.isEmpty() || committed.equals(e.getValue()), what + ": " + gtrid + " committed on " + committed
                    + " of " + e.getValue());
            assertEquals(committedAtPoint, !committed.isEmpty(), what + ": " + gtrid + " (first commit "
                    + firstCommit.get(gtrid) + ") is committed at the point exactly when production committed it by then");
        }
    }

    private static JsonNode relaytime(Map<String, Object> body) throws Exception {
        return Api.post(config, "relaytime", body, Duration.ofSeconds(60));
    }

    @Test
    @Order(2)
    void recoveringForwardTimeAfterTimeEachPointIsConsistentAcrossShards() throws Exception {
        Random random = new Random(SEED);
        long span = end - start;
        int completions = 0;
        int leftOut = 0;
        List<Long> behind = new ArrayList<>();
        for (int i = 0; i < RECOVERIES; i++) {
            // one random time in each of RECOVERIES equal slices: forward, and spread over the whole workload
            long t = start + span * i / RECOVERIES + (long) (random.nextDouble() * span / RECOVERIES);
            String time = RecoveryTest.TIME.format(Instant.ofEpochSecond(0, t * 1000).atZone(config.timeZone()));
            Cli.Result relay = Cli.run("relaytime", "1", "--time", time, "--config", conf);
            assertEquals(0, relay.exitCode(), "target " + time + ": " + relay);
            Cli.Result recover = Cli.run("recover", "1", "--config", conf);
            assertEquals(0, recover.exitCode(), "target " + time + ": " + recover);
            JsonNode point = status().path("recoveryPoint");
            for (JsonNode line : point.path("xa")) {
                String l = line.asText();
                completions += l.contains("completes") ? 1 : 0;
                leftOut += l.contains("leaves out") ? 1 : 0;
            }
            behind.add(t - point.path("clusterTimeMicros").asLong());
            assertConsistent("target " + time + " (" + point + ")", point);
        }
        System.out.println("xa-recovery: " + RECOVERIES + " recoveries, " + completions + " shard points completing branches, "
                + leftOut + " leaving some out; cluster point before the target (µs): " + behind);
        assertTrue(completions > 0, "some recovery completed an XA branch on DR, or this test proved nothing about them");
    }

    @Test
    @Order(3)
    void syncResumesFromTheLastPointAndDrEndsEqualToProduction() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "0", "--config", conf).exitCode());
        Map<String, GtidSet> production = Bank.productionExecuted(sandbox);
        try {
            Await.until(Duration.ofSeconds(180), () -> {
                for (String shard : sandbox.shards()) {
                    // production goes on writing drsp's heartbeat, so "equal" is: all it had, nothing it lacks now
                    GtidSet dr = Db.executed(sandbox.drPrimary(shard));
                    if (!dr.containsAll(production.get(shard)) || !Db.executed(sandbox.production(shard)).containsAll(dr)) {
                        return false;
                    }
                }
                return true;
            }, "every DR shard executed production's GTID set and nothing else");
        } catch (AssertionError e) {
            StringBuilder b = new StringBuilder(e.getMessage());
            for (String shard : sandbox.shards()) {
                GtidSet dr = Db.executed(sandbox.drPrimary(shard));
                b.append("\n").append(shard).append(": missing ").append(production.get(shard).subtract(dr).toCompactString())
                        .append(", beyond ").append(dr.subtract(production.get(shard)).toCompactString()).append(", link ")
                        .append(Db.replicaStatus(sandbox.drPrimary(shard)).map(r -> r.get("Last_SQL_Error") + " / "
                                + r.get("Last_IO_Error") + " / sql " + r.get("Replica_SQL_Running")).orElse("none"));
            }
            throw new AssertionError(b.toString(), e);
        }
        for (String shard : sandbox.shards()) {
            for (String table : List.of("bank.accounts", "bank.transfers")) {
                if (!shard.equals("meta")) {
                    assertEquals(Db.checksum(sandbox.production(shard), table), Db.checksum(sandbox.drPrimary(shard), table),
                            shard + " " + table);
                }
            }
            assertEquals(Db.xaRecover(sandbox.production(shard)), Db.xaRecover(sandbox.drPrimary(shard)),
                    shard + ": DR holds exactly production's prepared branches");
        }
    }

    /**
     * The disaster as it comes: production writes on while DR's receivers stop one after another, so one DR shard
     * retrieves cross-shard transfers of which another has no trace, not even a prepare. relaytime --all must not
     * replay them on the one shard that has them (the soak found 12 transfers torn that way, money lost): all
     * retrieved relay log is judged at the window's end, the last time every shard retrieved.
     */
    @Test
    @Order(4)
    void allRetrievedRelayLogStaysConsistentWhenOneShardsReceiverStoppedFirstUnderTraffic() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 40, 4, 120, SEED + 1).withCrossShard(0.5, 0.0, 1.5).start();
        GtidSet s1Stopped;
        try {
            Await.until(Duration.ofSeconds(60), () -> w.stats().crossShardCommitted() >= 100, "100 cross-shard transfers");
            Db.exec(sandbox.drPrimary("s1"), "STOP REPLICA IO_THREAD");
            s1Stopped = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Retrieved_Gtid_Set"));
            long after = w.stats().crossShardCommitted();
            Await.until(Duration.ofSeconds(60), () -> w.stats().crossShardCommitted() >= after + 30,
                    "30 more cross-shard transfers, which only dr shard s2 retrieves");
            assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        } finally {
            w.close();
        }
        w.stop();
        assertEquals(s1Stopped, GtidSet.parse(Db.replicaStatus(sandbox.drPrimary("s1")).orElseThrow().get("Retrieved_Gtid_Set")),
                "s1 retrieved nothing after its receiver stopped");
        for (String shard : sandbox.shards()) {
            binlogs.put(shard, BinlogOracle.transactions(sandbox.production(shard)));
        }
        // The case itself, by production's binlogs: transfers whose XA COMMIT dr shard s2 retrieved while dr shard s1
        // holds not even their XA PREPARE.
        GtidSet s1Has = s1Stopped.union(Db.executed(sandbox.drPrimary("s1")));
        GtidSet s2Has = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary("s2")).orElseThrow().get("Retrieved_Gtid_Set"))
                .union(Db.executed(sandbox.drPrimary("s2")));
        java.util.Set<String> s1Prepared = new java.util.HashSet<>();
        binlogs.get("s1").stream().filter(x -> "PREPARE".equals(x.xaPhase()) && s1Has.contains(x.gtid()))
                .forEach(x -> s1Prepared.add(x.xid().substring(0, x.xid().indexOf(','))));
        long unseenOnS1 = binlogs.get("s2").stream().filter(x -> "COMMIT".equals(x.xaPhase()) && s2Has.contains(x.gtid()))
                .map(x -> x.xid().substring(0, x.xid().indexOf(','))).filter(g -> !s1Prepared.contains(g)).count();
        System.out.println("xa-recovery: " + unseenOnS1 + " transfers committed in what dr s2 retrieved, not even prepared in dr s1's");
        assertTrue(unseenOnS1 > 0, "the case this test is about: s2 retrieved commits of transfers s1 never saw");
        Cli.Result relay = Cli.run("relaytime", "1", "--all", "--config", conf);
        assertEquals(0, relay.exitCode(), relay.toString());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        JsonNode point = status().path("recoveryPoint");
        System.out.println("xa-recovery: relaytime --all after s1's receiver stopped first: " + relay.out() + " / " + point.path("xa"));
        assertConsistent("all retrieved relay log, s1's receiver stopped first (" + point + ")", point);
    }

    private static void assertConsistent(String what, JsonNode point) throws Exception {
        List<BankShard> dr = Bank.shards(sandbox, Sandbox.Role.DR);
        List<BankShard> data = dr.subList(1, dr.size());
        XaJournal journal = XaJournal.read(data);
        assertEquals(List.of(), journal.torn(), what + ": every cross-shard transfer is on both its shards or neither");
        assertEquals(0, journal.preparedBranches(), what + ": no branch prepared on a DR primary: " + journal.prepared());
        BankTotals totals = BankTotals.read(data);
        assertTrue(totals.holds(), what + ": the bank's total holds: " + totals);
        for (BankShard s : data) {
            assertEquals(List.of(), balancesNotExplainedByJournal(s), what + ": " + s.shard() + "'s balances are its journal's");
            assertEquals(journalAt(s.shard(), Db.executed(sandbox.drPrimary(s.shard()))), journal(s),
                    what + ": " + s.shard() + "'s journal is production's, replayed from its binlog up to the point");
        }
        for (String shard : sandbox.shards()) {
            GtidSet executed = Db.executed(sandbox.drPrimary(shard));
            assertEquals(GtidSet.parse(point.path("shardGtids").path(shard).asText()), executed, what + ": " + shard + " stands at the point");
            GtidSet errant = executed.subtract(Db.executed(sandbox.production(shard)));
            assertTrue(errant.isEmpty(), what + ": " + shard + " has no errant GTIDs: " + errant.toCompactString());
        }
        for (Sandbox.Member replica : sandbox.members(Sandbox.Role.DR_REPLICA)) {
            GtidSet primary = Db.executed(sandbox.drPrimary(replica.shard()));
            Await.until(Duration.ofSeconds(60), () -> Db.executed(replica).containsAll(primary), replica.name() + " catches up");
            assertEquals(List.of(), Db.xaRecover(replica), what + ": no branch prepared on " + replica.name());
        }
    }

    /**
     * The ids of the transfers production's binlog (read by mysqlbinlog) says a shard holds once it has executed
     * {@code executed}: rows inserted by those transactions, an XA branch's only once its XA COMMIT is among them.
     */
    private static java.util.TreeSet<Long> journalAt(String shard, GtidSet executed) {
        java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
        Map<String, List<Long>> prepared = new HashMap<>();
        for (BinlogOracle.Transaction x : binlogs.get(shard)) {
            if (!executed.contains(x.gtid())) {
                continue;
            }
            List<Long> rows = x.firstColumns().getOrDefault("bank.transfers", List.of());
            if ("PREPARE".equals(x.xaPhase())) {
                prepared.put(x.xid(), rows);
            } else if ("COMMIT".equals(x.xaPhase())) {
                ids.addAll(prepared.getOrDefault(x.xid(), List.of()));
            } else if (!"ROLLBACK".equals(x.xaPhase())) {
                ids.addAll(rows);
            }
        }
        return ids;
    }

    private static java.util.TreeSet<Long> journal(BankShard s) throws SQLException {
        java.util.TreeSet<Long> ids = new java.util.TreeSet<>();
        try (Connection c = s.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM bank.transfers")) {
            while (rs.next()) {
                ids.add(rs.getLong(1));
            }
        }
        return ids;
    }

    /** Accounts whose balance is not the opening balance moved by the transfers journaled on their own shard. */
    private static List<String> balancesNotExplainedByJournal(BankShard s) throws SQLException {
        List<String> wrong = new ArrayList<>();
        try (Connection c = s.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT a.id, a.balance, ? + COALESCE((SELECT SUM(amount) FROM bank.transfers t"
                     .replace("?", BankSchema.INITIAL_BALANCE.toPlainString())
                     + " WHERE t.to_id = a.id), 0) - COALESCE((SELECT SUM(amount) FROM bank.transfers t WHERE t.from_id = a.id), 0)"
                     + " FROM bank.accounts a")) {
            while (rs.next()) {
                BigDecimal balance = rs.getBigDecimal(2);
                BigDecimal journaled = rs.getBigDecimal(3);
                if (balance.compareTo(journaled) != 0) {
                    wrong.add("account " + rs.getLong(1) + ": balance " + balance + ", journal says " + journaled);
                }
            }
        }
        return wrong;
    }


    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    static long nowMicros() {
        Instant i = Instant.now();
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
