package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The island drill on 2 shards (and meta), each DR shard with a local replica, while production keeps taking bank
 * transfers: recover, serve thousands of drill writes (bank transfers and every kind of column), then flashback and
 * purge with the controller killed between them and again in the middle of the purge. Every DR member must be back at
 * its snapshot point (GTIDs and checksums), and once sync caught up DR must equal production with no errant GTID.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillTest {
    static final Path DIR = Path.of("target/drill").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final ObjectMapper JSON = new ObjectMapper();
    static Sandbox sandbox;
    static String conf;
    static Process controller;
    static BankWorkload production;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
        conf = sandbox.configFile().toString();
        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        for (String shard : List.of("s1", "s2")) {
            DrillTypes.create(sandbox.production(shard));
        }
        production = new BankWorkload(shards.subList(1, shards.size()), 50, 2, 40, SEED).start();
        assertEquals(0, Cli.run("sync", "1", "--delay", "2", "--config", conf).exitCode());
    }

    @AfterAll
    static void down() {
        if (production != null) {
            production.close();
        }
        if (controller != null) {
            controller.destroy();
        }
        if (sandbox != null) {
            sandbox.down(false);
        }
    }

    @Test
    @Order(1)
    void aDrillIsRolledBackToItsSnapshotPointThroughControllerCrashesAndSyncResumes() throws Exception {
        Await.until(Duration.ofSeconds(60), () -> tableExists(sandbox.drPrimary("s2"), DrillTypes.SCHEMA + ".nokey")
                && production.stats().committed() > 200, "DR has the schemas and production has been busy");
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        assertTrue(started.out().contains("== recover: done") && started.out().contains("is in service for the drill"), started.out());
        JsonNode snap = JSON.readTree(Cli.run("status", "1", "--json", "--config", conf).out());
        assertEquals("SERVICE", snap.path("drMode").asText());
        Map<String, GtidSet> point = new TreeMap<>();
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        snapshotPoint(point, sums);
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(point.keySet()));
        for (String shard : sandbox.shards()) {
            assertEquals(point.get(shard), Db.executed(sandbox.drPrimary(shard)), "the snapshot point is where " + shard + " stands");
            assertFalse(sums.get(shard).isEmpty(), "the snapshot point has " + shard + "'s table checksums");
        }

        // The drill: bank transfers and type-matrix writes on the DR cluster while production keeps going.
        BankWorkload drill = new BankWorkload(Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3), 50, 2, 200, SEED + 1).start();
        Random r = new Random(SEED);
        for (String shard : List.of("s1", "s2")) {
            DrillTypes.write(sandbox.drPrimary(shard), r, 1200);
        }
        Await.until(Duration.ofSeconds(60), () -> drill.stats().committed() >= 1000, "1000 drill transfers");
        drill.stop();
        long drillTransactions = 0;
        for (String shard : List.of("s1", "s2")) {
            drillTransactions += Db.executed(sandbox.drPrimary(shard)).subtract(point.get(shard)).size();
        }
        assertTrue(drillTransactions > 2000, "thousands of drill transactions: " + drillTransactions + " (seed " + SEED + ")");
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());

        Cli.Result dry = Cli.run("flashback", "1", "--dry-run", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("would undo " + drillTransactions + " transactions"), dry.out());
        assertEquals(drillTransactions, Db.executed(sandbox.drPrimary("s1")).subtract(point.get("s1")).size()
                + Db.executed(sandbox.drPrimary("s2")).subtract(point.get("s2")).size(), "the dry run changed nothing");

        // Killed once the flashback is complete and journaled, before any purge.
        restartController("crash-after:FlashbackCompleted");
        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, flashback.exitCode(), flashback.toString());
        awaitHalted(flashback);
        restartController(null);
        assertEquals("FLASHED_BACK", status().path("drMode").asText());
        for (Sandbox.Member m : drMembers()) {
            assertEquals(sums.get(m.shard()), Copies.checksums(m, true), m.name() + " holds the snapshot's data again (seed " + SEED + ")");
        }
        for (String shard : List.of("s1", "s2")) {
            Path archive = sandbox.dir().resolve("state/archive/1").resolve(snap.path("snapshot").asText()).resolve(shard);
            assertTrue(Files.size(archive.resolve("forward.sql")) > 10_000 && Files.size(archive.resolve("reverse.sql")) > 10_000,
                    "the drill of " + shard + " is archived in " + archive);
        }

        // Killed in the middle of the purge: s1 purged, s2 not yet.
        restartController("crash-after:ShardPurged:s1");
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(1, purge.exitCode(), purge.toString());
        awaitHalted(purge);
        // From MySQL, before the restart: the controller really died between the two shards' purges.
        for (Sandbox.Member m : drMembers()) {
            GtidSet executed = Db.executed(m);
            if (m.shard().equals("s1") || m.shard().equals("meta")) {
                assertEquals(point.get(m.shard()), executed, m.name() + " was purged before the controller died");
            } else {
                assertTrue(executed.containsAll(point.get(m.shard())) && !executed.equals(point.get(m.shard())),
                        m.name() + " still held its drill and its undo when the controller died");
            }
        }
        restartController(null);
        Await.until(Duration.ofSeconds(120), () -> status().path("drMode").asText().equals("RECOVERED"),
                "the restarted controller finishes the purge it found in its journal");
        for (Sandbox.Member m : drMembers()) {
            assertEquals(point.get(m.shard()), Db.executed(m), m.name() + " has exactly the snapshot point as GTID set");
            assertEquals(sums.get(m.shard()), Copies.checksums(m, false), m.name() + " equals the snapshot point (seed " + SEED + ")");
        }

        Cli.Result end = Cli.run("drill", "1", "--end", "--config", conf);
        assertEquals(0, end.exitCode(), end.toString());
        assertTrue(end.out().contains("resume sync, delay 2 s") && end.out().contains("in sync again"), end.out());
        production.stop();
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Copies.awaitApplied(drMembers(), written, Duration.ofSeconds(120));
        for (Sandbox.Member m : drMembers()) {
            Copies.assertEqualsProduction(sandbox, m, "after the drill, seed " + SEED);
        }
        BankTotals totals = BankTotals.read(Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3));
        assertTrue(totals.holds(), "the bank invariant holds on DR: " + totals);
    }

    @Test
    @Order(2)
    void aBrokenReplicaRefusesFlashbackALaggingOneRefusesPurgeAndDataThatDiffersFromTheSnapshotFailsTheCheck() throws Exception {
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        DrillTypes.write(sandbox.drPrimary("s1"), new Random(SEED + 2), 50);
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        Sandbox.Member r1 = sandbox.members(Sandbox.Role.DR_REPLICA).stream().filter(m -> m.shard().equals("s1")).findFirst().orElseThrow();
        Sandbox.Member r2 = sandbox.members(Sandbox.Role.DR_REPLICA).stream().filter(m -> m.shard().equals("s2")).findFirst().orElseThrow();
        Db.exec(r1, "STOP REPLICA SQL_THREAD");
        Cli.Result broken = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, broken.exitCode(), broken.toString());
        assertTrue(broken.err().contains("dr shard s1 replica r1") && broken.err().contains("is not replicating from its primary")
                && broken.err().contains("nothing was changed"), broken.err());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        Db.exec(r1, "START REPLICA SQL_THREAD");
        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, flashback.exitCode(), flashback.toString());

        // s2's replica stops applying and its primary gets a write the snapshot does not have.
        Db.exec(r2, "STOP REPLICA SQL_THREAD");
        Db.exec(sandbox.drPrimary("s2"), "SET GLOBAL super_read_only = OFF",
                "INSERT INTO drill_types.nokey VALUES (99, 'stray', 1)", "SET GLOBAL super_read_only = ON");
        Cli.Result early = Cli.run("purge", "1", "--config", conf);
        assertEquals(1, early.exitCode(), early.toString());
        assertTrue(early.err().contains("purge refused, nothing was changed") && early.err().contains("dr shard s2 replica r1 (")
                && early.err().contains("has not replayed"),
                early.err());
        Db.exec(r2, "START REPLICA SQL_THREAD");
        GtidSet s2Executed = Db.executed(sandbox.drPrimary("s2"));
        Await.until(Duration.ofSeconds(30), () -> Db.executed(r2).containsAll(s2Executed), "s2's replica caught up");
        Cli.Result differs = Cli.run("purge", "1", "--config", conf);
        assertEquals(1, differs.exitCode(), differs.toString());
        assertTrue(differs.err().contains("dr shard s2 (") && differs.err().contains("differs from the snapshot point: `drill_types`.`nokey`")
                && differs.err().contains("Restore these members from a backup"), differs.err());
        assertEquals("FLASHED_BACK", status().path("drMode").asText(), "a failed check leaves the drill unfinished");

        // The DBA undoes the stray write by hand; purge again finds every member at the snapshot point.
        Db.exec(sandbox.drPrimary("s2"), "SET GLOBAL super_read_only = OFF",
                "DELETE FROM drill_types.nokey WHERE a = 99 AND b = 'stray'", "SET GLOBAL super_read_only = ON");
        GtidSet fixed = Db.executed(sandbox.drPrimary("s2"));
        Await.until(Duration.ofSeconds(30), () -> Db.executed(r2).containsAll(fixed), "s2's replica has the fix");
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        assertEquals("RECOVERED", status().path("drMode").asText());
    }

    @Test
    @Order(3)
    void aFlashbackStoppedPartWayOnOneShardContinuesWhereEachShardStandsAndTheDrillEndsAtTheSnapshotPoint() throws Exception {
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Map<String, GtidSet> point = new TreeMap<>();
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        snapshotPoint(point, sums);
        // Twelve drill transactions per shard, one account each; the reverse of s1's sixth newest is made to fail.
        Map<Long, String> s1Balances = new TreeMap<>();
        for (String shard : List.of("s1", "s2")) {
            Sandbox.Member primary = sandbox.drPrimary(shard);
            for (int i = 0; i < 12; i++) {
                long id = Long.parseLong(Db.one(primary, "SELECT id FROM bank.accounts ORDER BY id LIMIT " + i + ", 1"));
                if (shard.equals("s1")) {
                    s1Balances.put(id, Db.one(primary, "SELECT balance FROM bank.accounts WHERE id = " + id));
                }
                Db.exec(primary, "UPDATE bank.accounts SET balance = balance + 1000003 WHERE id = " + id);
            }
        }
        long failing = List.copyOf(s1Balances.keySet()).get(5);
        // Not binlogged: the fault is the primary's alone, as a server error or lost connection would be.
        Db.exec(sandbox.drPrimary("s1"), "SET SESSION sql_log_bin = 0",
                "CREATE TRIGGER bank.injected_failure BEFORE UPDATE ON bank.accounts FOR EACH ROW BEGIN"
                        + " IF NEW.id = " + failing + " AND NEW.balance = OLD.balance - 1000003 THEN"
                        + " SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF; END");
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());

        Cli.Result failed = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, failed.exitCode(), failed.toString());
        assertTrue(failed.err().contains("s1") && failed.err().contains("injected failure"), failed.err());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText(), "a flashback stopped part-way leaves the drill open");
        int undone = 0;
        for (Map.Entry<Long, String> e : s1Balances.entrySet()) {
            String now = Db.one(sandbox.drPrimary("s1"), "SELECT balance FROM bank.accounts WHERE id = " + e.getKey());
            undone += now.equals(e.getValue()) ? 1 : 0;
            if (e.getKey() == failing) {
                assertTrue(!now.equals(e.getValue()), "the failing reverse was not applied");
            }
        }
        assertTrue(undone >= 1 && undone < 12, "s1 stopped part-way: " + undone + " of 12 undone");

        // The DBA removes the cause; the same command continues from where each shard stands.
        Db.exec(sandbox.drPrimary("s1"), "SET SESSION sql_log_bin = 0", "SET GLOBAL super_read_only = OFF",
                "DROP TRIGGER bank.injected_failure", "SET GLOBAL super_read_only = ON");
        Cli.Result again = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals("FLASHED_BACK", status().path("drMode").asText());
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        assertEquals("RECOVERED", status().path("drMode").asText());
        for (Sandbox.Member m : drMembers()) {
            assertEquals(point.get(m.shard()), Db.executed(m), m.name() + " has exactly the snapshot point as GTID set");
            assertEquals(sums.get(m.shard()), Copies.checksums(m, false), m.name() + " equals the snapshot point");
        }
    }

    @Test
    @Order(4)
    void aDrillWithDdlIsRefusedAtFlashbackWithTheDdlListedAndNothingChanges() throws Exception {
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Db.exec(sandbox.drPrimary("s2"), "UPDATE drill_types.nokey SET c = c + 1",
                "ALTER TABLE drill_types.nokey ADD COLUMN memo INT");
        Db.exec(sandbox.drPrimary("s1"), "DELETE FROM bank.accounts ORDER BY id LIMIT 1");
        Cli.Result early = Cli.run("purge", "1", "--config", conf);
        assertEquals(1, early.exitCode(), early.toString());
        assertTrue(early.err().contains("mode SERVICE") && early.err().contains("purge does not apply"), early.err());
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        Map<String, GtidSet> before = new TreeMap<>();
        Map<String, Map<String, Long>> data = new TreeMap<>();
        for (Sandbox.Member m : drMembers()) {
            before.put(m.name(), Db.executed(m));
            data.put(m.name(), Copies.checksums(m, false));
        }
        for (boolean dryRun : List.of(true, false)) {
            Cli.Result refused = dryRun ? Cli.run("flashback", "1", "--dry-run", "--config", conf) : Cli.run("flashback", "1", "--config", conf);
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.err().contains("dr shard s2") && refused.err().contains("ALTER TABLE drill_types.nokey ADD COLUMN memo")
                    && refused.err().contains("Restore this shard from a backup"), refused.err());
        }
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        for (Sandbox.Member m : drMembers()) {
            assertEquals(before.get(m.name()), Db.executed(m), m.name() + ": nothing was applied");
            assertEquals(data.get(m.name()), Copies.checksums(m, false), m.name() + ": no data changed");
        }
    }

    /** Each shard's snapshot GTID set and its primary's checksums, from the controller's newest snapshot point. */
    static void snapshotPoint(Map<String, GtidSet> point, Map<String, Map<String, Long>> sums) throws Exception {
        snapshotPoint(conf, point, sums);
    }

    static void snapshotPoint(String conf, Map<String, GtidSet> point, Map<String, Map<String, Long>> sums) throws Exception {
        Cli.Result r = Cli.run("snapshots", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        JsonNode snaps = JSON.readTree(r.out()).path("snapshots");
        JsonNode last = snaps.get(snaps.size() - 1);
        for (JsonNode m : last.path("members")) {
            String node = m.path("node").asText();
            if (node.split("/").length == 3) {
                String shard = node.split("/")[2];
                point.put(shard, GtidSet.parse(m.path("gtidExecuted").asText()));
                Map<String, Long> s = new TreeMap<>();
                m.path("tableChecksums").fields().forEachRemaining(e -> s.put(e.getKey(), e.getValue().asLong()));
                sums.put(shard, s);
            }
        }
    }

    static List<Sandbox.Member> drMembers() {
        return drMembers(sandbox);
    }

    static List<Sandbox.Member> drMembers(Sandbox sandbox) {
        List<Sandbox.Member> all = new ArrayList<>(sandbox.members(Sandbox.Role.DR));
        all.addAll(sandbox.members(Sandbox.Role.DR_REPLICA));
        return all;
    }

    static boolean tableExists(Sandbox.Member m, String table) throws SQLException {
        String[] p = table.split("\\.");
        return "1".equals(Db.one(m, "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + p[0]
                + "' AND TABLE_NAME = '" + p[1] + "'"));
    }

    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return JSON.readTree(r.out());
    }

    static void restartController(String failpoint) throws Exception {
        if (controller.isAlive()) {
            controller.destroy();
            assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller stopped");
        }
        controller = ControllerCrashTest.startController(conf, DIR, failpoint == null ? Map.of() : Map.of("DRSP_FAILPOINTS", failpoint));
    }

    static void awaitHalted(Cli.Result command) throws InterruptedException {
        assertTrue(controller.waitFor(60, TimeUnit.SECONDS), "the controller halted at its failpoint; the command said " + command);
        assertEquals(137, controller.exitValue());
    }
}
