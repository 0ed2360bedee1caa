package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import io.drsp.sandbox.bank.XaJournal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The failover every switchback scenario starts from, on real servers with the bank's cross-shard XA traffic.
 * Production writes; DR syncs with an hour's delay and stops with all of it unapplied, so its relay log holds
 * production's transactions beyond the recovery point, chosen in the middle of the traffic. DR serves and writes;
 * production, not really lost in a test, writes on and leaves a branch prepared on each data shard, as a coordinator
 * that died would. And the end every switchback must reach, checked from MySQL.
 */
final class SwitchbackScenario {
    static final String GTRID = "switchback-lost";
    final Path dir;
    final long seed;
    final Sandbox sandbox;
    final String conf;
    final List<BankShard> production;
    final List<BankShard> dr;
    /** Each DR primary's checksums when DR entered service: the test's own oracle of the snapshot point. */
    final Map<String, Map<String, Long>> snapshotSums = new TreeMap<>();
    /** The recovery point per shard, as status shows it. */
    final Map<String, GtidSet> point = new TreeMap<>();
    private long workloadStart;
    private long workloadEnd;

    /** The sandbox with its bank, one local replica per DR shard; the controller is the caller's. */
    SwitchbackScenario(Path dir, long seed) throws Exception {
        this(dir, seed, 1, 5);
    }

    /** @param drainSeconds how long a fence waits for production's prepared branches before leaving them to laststamp */
    SwitchbackScenario(Path dir, long seed, int drReplicas, int drainSeconds) throws Exception {
        this(dir, seed, Sandbox.Options.defaults().withReplicas(drReplicas), drainSeconds);
    }

    SwitchbackScenario(Path dir, long seed, Sandbox.Options options, int drainSeconds) throws Exception {
        this.dir = dir;
        this.seed = seed;
        sandbox = Sandbox.upReplacing(dir, options, s -> { });
        Files.writeString(sandbox.configFile(), "drsp.clusters.\"1\".service.drain-timeout = " + drainSeconds + "\n",
                StandardOpenOption.APPEND);
        conf = sandbox.configFile().toString();
        List<BankShard> all = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        production = all.subList(1, all.size());
        dr = Bank.shards(sandbox, Sandbox.Role.DR).subList(1, all.size());
        BankSchema.create(all.get(0), production, 40);
    }

    /** Sync with an hour's delay, production traffic, stopsync: DR holds all of it in its relay log. */
    void syncAndStop() throws Exception {
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        workloadStart = nowMicros();
        BankWorkload w = new BankWorkload(production, 40, 3, 120, seed).withCrossShard(0.5, 0.1, 0.5).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> w.stats().crossShardCommitted() >= 150 && w.stats().resolved() >= 5,
                    "150 cross-shard transfers committed and 5 abandoned ones resolved on production");
        } finally {
            w.close();
        }
        w.stop();
        workloadEnd = nowMicros();
        Bank.awaitRetrieved(sandbox, Bank.productionExecuted(sandbox));
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
    }

    /** The production time in the middle of that traffic, as relaytime takes it. */
    String middleOfTraffic() {
        return RecoveryTest.TIME.format(Instant.ofEpochSecond(0, (workloadStart + (workloadEnd - workloadStart) / 2) * 1000)
                .atZone(io.drsp.core.config.DrspConfig.load(sandbox.configFile()).timeZone()));
    }

    /** DR recovers to the middle of that traffic and serves; both sites then write, production leaving branches prepared. */
    void failOver() throws Exception {
        assertEquals(0, Cli.run("relaytime", "1", "--time", middleOfTraffic(), "--config", conf).exitCode());
        Cli.Result recover = Cli.run("recover", "1", "--config", conf);
        assertEquals(0, recover.exitCode(), recover.toString());
        for (String shard : List.of("s1", "s2")) {
            GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
            assertTrue(retrieved.subtract(Db.executed(sandbox.drPrimary(shard))).size() > 50, shard
                    + ": DR's relay log still holds production transactions beyond the point");
        }
        Cli.Result service = Cli.run("service", "1", "--config", conf);
        assertEquals(0, service.exitCode(), service.toString());
        for (String shard : sandbox.shards()) {
            snapshotSums.put(shard, Copies.checksums(sandbox.drPrimary(shard), true));
        }
        status().path("recoveryPoint").path("shardGtids").fields()
                .forEachRemaining(e -> point.put(e.getKey(), GtidSet.parse(e.getValue().asText())));

        BankWorkload lost = new BankWorkload(production, 40, 2, 80, seed + 1).withCrossShard(0.5, 0.1, 0.5).start();
        BankWorkload served = new BankWorkload(dr, 40, 2, 80, seed + 2).withCrossShard(0.5, 0, 0).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> lost.stats().crossShardCommitted() >= 60 && served.stats().crossShardCommitted() >= 60,
                    "60 cross-shard transfers on each site");
        } finally {
            lost.close();
            served.close();
        }
        lost.stop();
        served.stop();
        for (String shard : List.of("s1", "s2")) {
            prepareAndAbandon(sandbox.production(shard), shard);
        }
        assertTrue(BankTotals.read(dr).holds(), "DR's own traffic keeps the bank whole");
    }

    /**
     * Switchback's end, from MySQL: production serves and replicates from nobody; DR is read-only and follows it with
     * {@code delay}; after new production traffic every DR member equals production table for table with no errant
     * GTID (had DR replayed its old relay log, production's reused GTIDs would have made them differ); production
     * holds every DR transaction; nothing is prepared anywhere; the bank is whole and no transfer torn on either site.
     */
    void assertSwitchedBack(int delay) throws Exception {
        JsonNode s = status();
        assertEquals("SERVICE", s.path("productionMode").asText());
        assertEquals("SYNC", s.path("drMode").asText());
        for (String shard : sandbox.shards()) {
            assertEquals("0", Db.one(sandbox.production(shard), "SELECT @@super_read_only"), "production " + shard + " is writable");
            assertEquals("1", Db.one(sandbox.drPrimary(shard), "SELECT @@super_read_only"), "DR " + shard + " is read-only");
            assertTrue(Db.replicaStatus(sandbox.production(shard)).isEmpty(), "production " + shard + " replicates from nobody");
            Map<String, String> link = Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow();
            assertEquals(String.valueOf(sandbox.production(shard).instance().port()), link.get("Source_Port"), shard);
            assertEquals(String.valueOf(delay), link.get("SQL_Delay"), shard + ": DR follows with the delay asked for");
        }
        BankWorkload fresh = new BankWorkload(production, 40, 2, 80, seed + 3).withCrossShard(0.5, 0.1, 0.5).start();
        try {
            Await.until(Duration.ofSeconds(90), () -> fresh.stats().crossShardCommitted() >= 60, "60 new cross-shard transfers");
        } finally {
            fresh.close();
        }
        fresh.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Copies.awaitApplied(DrillTest.drMembers(sandbox), written, Duration.ofSeconds(120));
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            Copies.assertEqualsProduction(sandbox, m, "after the switchback, seed " + seed);
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared");
        }
        for (String shard : sandbox.shards()) {
            GtidSet drOwn = Db.executed(sandbox.drPrimary(shard)).subtract(point.get(shard));
            assertTrue(Db.executed(sandbox.production(shard)).containsAll(drOwn), shard + ": production holds every DR transaction");
            assertEquals(List.of(), Db.xaRecover(sandbox.production(shard)), "production " + shard);
        }
        for (List<BankShard> site : List.of(production, dr)) {
            BankTotals totals = BankTotals.read(site);
            assertTrue(totals.holds(), "the bank invariant holds: " + totals);
            assertEquals(List.of(), XaJournal.read(site).torn(), "no global transaction is torn");
        }
    }

    /** How many times laststamp archived production's transactions after the point: one directory each. */
    long archives() throws Exception {
        try (java.util.stream.Stream<Path> dirs = Files.list(sandbox.dir().resolve("state/archive/1"))) {
            return dirs.filter(p -> p.getFileName().toString().startsWith("switchback-")).count();
        }
    }

    JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }

    private static void prepareAndAbandon(Sandbox.Member m, String bqual) throws Exception {
        String id = Db.one(m, "SELECT MIN(id) FROM bank.accounts");
        try (Connection c = m.instance().connect(); Statement st = c.createStatement()) {
            st.execute("XA START '" + GTRID + "','" + bqual + "'");
            st.execute("UPDATE bank.accounts SET balance = balance - 1 WHERE id = " + id);
            st.execute("XA END '" + GTRID + "','" + bqual + "'");
            st.execute("XA PREPARE '" + GTRID + "','" + bqual + "'");
        } // the session ends; MySQL keeps the branch prepared, as for a coordinator that died
    }

    private static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }
}
