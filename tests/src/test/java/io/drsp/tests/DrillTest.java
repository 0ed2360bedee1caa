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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * its snapshot point, as the test itself read it from MySQL when DR entered service (GTID sets, CHECKSUM TABLE, the
 * type matrix row by row), and once sync caught up DR must equal production with no errant GTID. Then what refuses or
 * fails a drill's end, each leaving the drill to be finished: commands in the wrong mode, a primary short of its
 * snapshot point, a replica too far behind or too slow to replay the flashback; the progress the CLI prints; and
 * what turning checksums off leaves unchecked.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillTest {
    static final Path DIR = Path.of("target/drill").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final ObjectMapper JSON = new ObjectMapper();
    /** The sample table dumped row by row: every column type a flashback can get wrong. */
    static final String MATRIX = DrillTypes.SCHEMA + ".matrix";
    static Sandbox sandbox;
    static String conf;
    /** drsp.conf as the sandbox wrote it; tests that need other drill settings append to it and restart the controller. */
    static String sandboxConf;
    static Process controller;
    static BankWorkload production;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
        conf = sandbox.configFile().toString();
        sandboxConf = Files.readString(sandbox.configFile());
        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        Random r = new Random(SEED - 1);
        for (String shard : List.of("s1", "s2")) {
            DrillTypes.create(sandbox.production(shard));
            // Rows of every type at each snapshot point: a drill's updates and deletes of them must be undone exactly.
            DrillTypes.write(sandbox.production(shard), r, 300);
        }
        production = new BankWorkload(shards.subList(1, shards.size()), 50, 2, 40, SEED).start();
        assertEquals(0, Cli.run("sync", "1", "--delay", "2", "--config", conf).exitCode());
        String s1Rows = Db.one(sandbox.production("s1"), "SELECT COUNT(*) FROM " + MATRIX);
        String s2Rows = Db.one(sandbox.production("s2"), "SELECT COUNT(*) FROM " + MATRIX);
        Await.until(Duration.ofSeconds(60), () -> tableExists(sandbox.drPrimary("s2"), DrillTypes.SCHEMA + ".nokey")
                && s1Rows.equals(Db.one(sandbox.drPrimary("s1"), "SELECT COUNT(*) FROM " + MATRIX))
                && s2Rows.equals(Db.one(sandbox.drPrimary("s2"), "SELECT COUNT(*) FROM " + MATRIX))
                && production.stats().committed() > 200, "DR has the schemas and the type matrix, and production has been busy");
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(production, controller, sandbox);
    }

    @Test
    @Order(1)
    void aDrillIsRolledBackToItsSnapshotPointThroughControllerCrashesAndSyncResumes() throws Exception {
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        assertTrue(started.out().contains("== recover: done") && started.out().contains("is in service for the drill"), started.out());
        JsonNode snap = JSON.readTree(Cli.run("status", "1", "--json", "--config", conf).out());
        assertEquals("SERVICE", snap.path("drMode").asText());
        Reading taken = snapshotReading();
        // drsp's record of the snapshot point must be what the test read from MySQL itself.
        Map<String, GtidSet> point = new TreeMap<>();
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        snapshotPoint(point, sums);
        assertEquals(List.of("meta", "s1", "s2"), List.copyOf(point.keySet()));
        for (String shard : sandbox.shards()) {
            String primary = sandbox.drPrimary(shard).name();
            assertEquals(taken.gtids().get(primary), point.get(shard), "drsp recorded where " + shard + " stands as its snapshot point");
            assertEquals(taken.sums().get(primary), sums.get(shard), "drsp recorded " + shard + "'s own CHECKSUM TABLE values");
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
        taken.assertDataHeld("after the flashback, before the purge (seed " + SEED + ")");
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
            GtidSet own = taken.gtids().get(m.name());
            if (m.shard().equals("s1") || m.shard().equals("meta")) {
                assertEquals(own, executed, m.name() + " was purged before the controller died");
            } else {
                assertTrue(executed.containsAll(own) && !executed.equals(own),
                        m.name() + " still held its drill and its undo when the controller died");
            }
        }
        restartController(null);
        Await.until(Duration.ofSeconds(120), () -> status().path("drMode").asText().equals("RECOVERED"),
                "the restarted controller finishes the purge it found in its journal");
        taken.assertHeld("after the purge (seed " + SEED + ")");

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
        Reading taken = snapshotReading();
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
        taken.assertHeld("after a flashback continued where each shard stood");
    }

    @Test
    @Order(4)
    void syncAndAPurgeDryRunAreRefusedInEachModeOfADrillAndItsFlashbackPrintsProgress() throws Exception {
        useDrillSettings("");
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Reading taken = snapshotReading();
        refusedForItsModeAndNothingChanged("SERVICE", "sync", "1", "--delay", "2");
        refusedForItsModeAndNothingChanged("SERVICE", "purge", "1", "--dry-run");

        // Twenty-one thousand row changes per shard in a few statements, for progress reports with a real total:
        // transfers first, then new accounts, which the flashback undoes first (newest first).
        Map<String, Long> rowsWritten = new TreeMap<>();
        for (String shard : List.of("s1", "s2")) {
            rowsWritten.put(shard, bulkInsert(sandbox.drPrimary(shard), 8, 2500, "bank.transfers (from_id, to_id, amount, gtrid, created_at)",
                    "i, i + 1, i / 100, NULL, NOW(6)")
                    + bulkInsert(sandbox.drPrimary(shard), 2, 500, "bank.accounts (id, owner, balance, updated_at)",
                    "900000000 + @t * 1000 + i, CONCAT('drill-', i), 0, NOW(6)"));
        }
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        refusedForItsModeAndNothingChanged("SERVICE_STOPPED", "sync", "1", "--delay", "2");
        refusedForItsModeAndNothingChanged("SERVICE_STOPPED", "purge", "1", "--dry-run");

        // A DBA's session holds a read lock on s1's bank.transfers (as a dump tool does): s1's flashback undoes the new
        // accounts, then waits for the lock, and the CLI, run in a process of its own as a user would, keeps printing
        // where it stands. The DBA lets go once the CLI has printed s1's progress twice.
        Path log = DIR.resolveSibling("drill-flashback-cli.out"); // beside the sandbox, which its teardown deletes
        Files.deleteIfExists(log);
        Process cli;
        try (java.sql.Connection dba = sandbox.drPrimary("s1").instance().connect(); java.sql.Statement st = dba.createStatement()) {
            st.execute("LOCK TABLES bank.transfers READ");
            cli = ChildJvm.drsp(log, Map.of(), "flashback", "1", "--config", conf);
            Await.until(Duration.ofSeconds(120), () -> progress(Files.readString(log), "flashing back", "s1").stream()
                    .filter(l -> l[0] < l[1]).count() >= 2, "the CLI printed s1's flashback progress twice while it waited");
            st.execute("UNLOCK TABLES");
        }
        assertTrue(cli.waitFor(120, TimeUnit.SECONDS), "the flashback ended once the lock was released");
        String out = Files.readString(log);
        assertEquals(0, cli.exitValue(), out);
        assertTrue(out.contains("every local replica replayed it; run purge next."), out);
        for (String shard : List.of("s1", "s2")) {
            for (String activity : List.of("archiving", "flashing back")) {
                // The total is the number of row changes the test itself made on the shard: the drill's real size.
                progress(out, activity, shard).stream().filter(l -> l[1] > 0)
                        .forEach(l -> assertEquals(rowsWritten.get(shard), l[1], activity + " " + shard + ": " + out));
            }
        }
        List<long[]> s1 = progress(out, "flashing back", "s1");
        assertTrue(s1.stream().anyMatch(l -> l[2] > 0), "s1's progress shows a rate: " + out);
        for (int i = 1; i < s1.size(); i++) {
            assertTrue(s1.get(i)[0] >= s1.get(i - 1)[0], "s1's progress never goes back: " + out);
        }
        refusedForItsModeAndNothingChanged("FLASHED_BACK", "sync", "1", "--delay", "2");

        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        taken.assertHeld("after a drill of " + rowsWritten + " rows");
    }

    @Test
    @Order(5)
    void aPrimaryWhoseGtidHistoryLostPartOfItsSnapshotPointRefusesFlashbackAndNothingChanges() throws Exception {
        useDrillSettings("");
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Reading taken = snapshotReading();
        Sandbox.Member p1 = sandbox.drPrimary("s1");
        Sandbox.Member p2 = sandbox.drPrimary("s2");
        DrillTypes.write(p2, new Random(SEED + 5), 30);
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());

        // A DBA clears s1's binary logs by hand (RESET MASTER) and sets gtid_purged to a history three production
        // transactions short: s1's data is untouched, but its GTID set no longer covers the snapshot point.
        GtidSet point = taken.gtids().get(p1.name());
        String uuid = Db.one(sandbox.production("s1"), "SELECT @@GLOBAL.server_uuid");
        List<io.drsp.core.gtid.GtidInterval> intervals = point.intervals(uuid);
        long last = intervals.get(intervals.size() - 1).last();
        GtidSet lost = GtidSet.of(uuid, last - 2, last);
        Db.exec(p1, "SET GLOBAL super_read_only = OFF", "RESET MASTER",
                "SET GLOBAL gtid_purged = '" + point.subtract(lost).toCompactString() + "'", "SET GLOBAL super_read_only = ON");
        GtidSet drilled = Db.executed(p2);
        Await.until(Duration.ofSeconds(30), () -> Db.executed(replica("s2")).equals(drilled), "s2's replica replayed the drill");
        Reading before = Reading.take();
        assertFalse(before.gtids().get(p1.name()).containsAll(point), "MySQL: s1's primary lacks part of its snapshot point");

        Cli.Result refused = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("flashback refused, nothing was changed: dr shard s1 (")
                && refused.err().contains("lacks " + lost.toCompactString() + " of its snapshot point")
                && !refused.err().contains("dr shard s2") && !refused.err().strip().contains("\n"), refused.err());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        assertEquals(before, Reading.take(), "the refused flashback changed nothing, s2's drill included");
        assertTrue(!drilled.equals(taken.gtids().get(p2.name())) && Db.executed(p2).equals(drilled), "s2's drill is still there");

        // The DBA gives s1 its history back; the drill then ends at the snapshot point.
        Db.exec(p1, "SET GLOBAL super_read_only = OFF", "RESET MASTER",
                "SET GLOBAL gtid_purged = '" + point.toCompactString() + "'", "SET GLOBAL super_read_only = ON");
        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, flashback.exitCode(), flashback.toString());
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        taken.assertHeld("after s1's GTID history was restored");
    }

    @Test
    @Order(6)
    void aReplicaBeyondTheLagBoundRefusesFlashbackAndOneThatCannotReplayItInTimeFailsItUntilItReplaysAgain() throws Exception {
        useDrillSettings(TIGHT);
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Reading taken = snapshotReading();
        Sandbox.Member p1 = sandbox.drPrimary("s1");
        Sandbox.Member p2 = sandbox.drPrimary("s2");
        Sandbox.Member r1 = replica("s1");
        Sandbox.Member r2 = replica("s2");
        // s1's replica holds back what it receives, as a delayed replica does: running, and further behind each second.
        holdBack(r1, 3600);
        Random r = new Random(SEED + 6);
        DrillTypes.write(p1, r, 20);
        DrillTypes.write(p2, r, 20);
        GtidSet s2Drilled = Db.executed(p2);
        Await.until(Duration.ofSeconds(30), () -> secondsBehind(r1) >= 3 && Db.executed(r2).equals(s2Drilled),
                "MySQL reports s1's replica 3 s behind its primary, and s2's replica caught up");
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        Reading before = Reading.take();
        Cli.Result lagging = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, lagging.exitCode(), lagging.toString());
        assertTrue(lagging.err().contains("flashback refused, nothing was changed: dr shard s1 replica r1 (")
                && lagging.err().contains("s behind its primary, more than the 1 s bound (drsp.clusters.1.drill.replica-lag-bound)")
                && !lagging.err().contains("dr shard s2") && !lagging.err().strip().contains("\n"), lagging.err());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        assertEquals(before, Reading.take(), "the refused flashback changed nothing");

        // The replica replays what it held, then holds back again: idle, hence 0 s behind, so the flashback starts,
        // but it cannot replay the flashback within the 3 s catch-up timeout.
        holdBack(r1, 0);
        GtidSet s1Drilled = Db.executed(p1);
        Await.until(Duration.ofSeconds(30), () -> Db.executed(r1).equals(s1Drilled), "s1's replica replayed the drill");
        holdBack(r1, 3600);
        Await.until(Duration.ofSeconds(10), () -> secondsBehind(r1) == 0, "s1's replica is idle");
        Cli.Result timedOut = Cli.run("flashback", "1", "--config", conf);
        assertEquals(1, timedOut.exitCode(), timedOut.toString());
        assertTrue(timedOut.err().contains("dr shard s1 replica r1 (") && timedOut.err().contains("did not replay its primary within 3 s")
                && !timedOut.err().contains("dr shard s2") && !timedOut.err().strip().contains("\n"), timedOut.err());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText(), "a flashback whose replicas did not replay it is not done");
        GtidSet s1FlashedBack = Db.executed(p1);
        assertFalse(Db.executed(r1).containsAll(s1FlashedBack), "MySQL: s1's replica lacks the flashback its primary made");
        for (Sandbox.Member primary : List.of(p1, p2)) {
            Map<String, Long> expected = new TreeMap<>(taken.sums().get(primary.name()));
            assertEquals(expected, Copies.checksums(primary, true), primary.name() + " was flashed back before the wait");
        }

        // Replaying again, the replica catches up, and the same command finishes the flashback.
        holdBack(r1, 0);
        Await.until(Duration.ofSeconds(30), () -> Db.executed(r1).equals(s1FlashedBack) && secondsBehind(r1) == 0,
                "s1's replica replayed the flashback");
        Cli.Result again = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, again.exitCode(), again.toString());
        assertEquals("FLASHED_BACK", status().path("drMode").asText());
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        taken.assertHeld("after the flashback was run again");
    }

    @Test
    @Order(7)
    void withChecksumsOffADrillEndsWithoutComparingDataSoADifferenceTheCheckWouldFindIsLeftToTheDba() throws Exception {
        useDrillSettings(TIGHT);
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Reading taken = snapshotReading();
        Map<String, GtidSet> point = new TreeMap<>();
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        snapshotPoint(point, sums);
        for (String shard : sandbox.shards()) {
            assertEquals(Map.of(), sums.get(shard), "no checksums were taken at the snapshot point of " + shard);
        }
        Sandbox.Member p2 = sandbox.drPrimary("s2");
        DrillTypes.write(p2, new Random(SEED + 7), 30);
        assertEquals(0, Cli.run("stopservice", "1", "--config", conf).exitCode());
        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, flashback.exitCode(), flashback.toString());

        // A change no binary log records, on s2's primary alone: every GTID set is still right, one table is not.
        String account = Db.one(p2, "SELECT MIN(id) FROM bank.accounts");
        Db.exec(p2, "SET SESSION sql_log_bin = 0", "SET GLOBAL super_read_only = OFF",
                "UPDATE bank.accounts SET balance = balance + 1 WHERE id = " + account, "SET GLOBAL super_read_only = ON");
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        assertEquals("RECOVERED", status().path("drMode").asText());
        assertTrue(lastJournaled("SnapshotRestored").contains("checksums are off"), "the journal says the data was not compared");
        for (Sandbox.Member m : drMembers()) {
            assertEquals(taken.gtids().get(m.name()), Db.executed(m), m.name() + ": the GTID sets are checked all the same");
            Map<String, Long> now = Copies.checksums(m, false);
            Map<String, Long> expected = new TreeMap<>(taken.sums().get(m.name()));
            if (m.equals(p2)) {
                assertTrue(!expected.get("`bank`.`accounts`").equals(now.get("`bank`.`accounts`")),
                        "MySQL: s2's primary ended the drill with data the snapshot does not have");
                expected.remove("`bank`.`accounts`");
                now.remove("`bank`.`accounts`");
            }
            assertEquals(expected, now, m.name());
        }

        // The DBA, who turned the check off, finds and undoes the change by hand.
        Db.exec(p2, "SET SESSION sql_log_bin = 0", "SET GLOBAL super_read_only = OFF",
                "UPDATE bank.accounts SET balance = balance - 1 WHERE id = " + account, "SET GLOBAL super_read_only = ON");
        taken.assertHeld("after the change was undone by hand");
    }

    @Test
    @Order(8)
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

    /**
     * What the test itself reads from every DR member, with plain JDBC and nothing of drsp's: its GTID set, whether it
     * is super read-only, CHECKSUM TABLE of every table, and the type matrix row by row (every column as the server
     * renders it as text, binary columns in hex), keyed by member name. Taken at the snapshot moment it is the oracle
     * a drill's end is compared with; taken before and after a refusal it shows nothing changed.
     */
    record Reading(Map<String, GtidSet> gtids, Map<String, String> superReadOnly, Map<String, Map<String, Long>> sums,
                   Map<String, List<String>> matrix) {
        static Reading take() throws SQLException {
            Reading r = new Reading(new TreeMap<>(), new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
            for (Sandbox.Member m : drMembers()) {
                r.gtids.put(m.name(), Db.executed(m));
                r.superReadOnly.put(m.name(), Db.one(m, "SELECT @@GLOBAL.super_read_only"));
                r.sums.put(m.name(), Copies.checksums(m, false));
                if (!m.shard().equals("meta")) {
                    r.matrix.put(m.name(), rows(m, MATRIX, "id"));
                }
            }
            return r;
        }

        /** Every member holds the snapshot's data; the flashback ledger may still be there (before the purge). */
        void assertDataHeld(String context) throws SQLException {
            for (Sandbox.Member m : drMembers()) {
                Map<String, Long> expected = new TreeMap<>(sums.get(m.name()));
                expected.keySet().removeIf(t -> t.startsWith("`drsp_flashback`"));
                assertEquals(expected, Copies.checksums(m, true), m.name() + " has the snapshot's CHECKSUM TABLE values " + context);
                if (matrix.containsKey(m.name())) {
                    assertEquals(matrix.get(m.name()), rows(m, MATRIX, "id"), m.name() + " has the snapshot's " + MATRIX + " rows " + context);
                }
            }
        }

        /** Every member is exactly at the snapshot point: GTID set, data, no ledger left, super read-only. */
        void assertHeld(String context) throws SQLException {
            assertDataHeld(context);
            for (Sandbox.Member m : drMembers()) {
                assertEquals(gtids.get(m.name()), Db.executed(m), m.name() + " has exactly the snapshot's GTID set " + context);
                assertEquals(sums.get(m.name()), Copies.checksums(m, false), m.name() + " holds no table the snapshot lacks " + context);
                assertEquals("1", Db.one(m, "SELECT @@GLOBAL.super_read_only"), m.name() + " is super read-only " + context);
            }
        }
    }

    /**
     * The reading at the snapshot moment: DR has just entered service and nothing has written to it yet. Each local
     * replica is first let to replay all its primary has, so it is read at the same point.
     */
    static Reading snapshotReading() throws SQLException {
        awaitReplicasCaughtUp();
        Reading r = Reading.take();
        for (Sandbox.Member replica : sandbox.members(Sandbox.Role.DR_REPLICA)) {
            String primary = sandbox.drPrimary(replica.shard()).name();
            assertEquals(r.sums().get(primary), r.sums().get(replica.name()), replica.name() + " holds its primary's data");
        }
        assertFalse(r.matrix().get(sandbox.drPrimary("s1").name()).isEmpty(), "the snapshot has rows in " + MATRIX);
        return r;
    }

    /** Polls until every local replica has executed exactly its primary's GTID set (nothing else writes on DR). */
    static void awaitReplicasCaughtUp() throws SQLException {
        for (Sandbox.Member replica : sandbox.members(Sandbox.Role.DR_REPLICA)) {
            GtidSet primary = Db.executed(sandbox.drPrimary(replica.shard()));
            Await.until(Duration.ofSeconds(30), () -> Db.executed(replica).equals(primary), replica.name() + " replayed its primary");
        }
    }

    /**
     * Every row of {@code table} ordered by {@code key}, each column (invisible ones too) as the server's own text:
     * CAST(... AS CHAR), or HEX() for binary, bit and spatial columns, whose text would not round-trip.
     */
    static List<String> rows(Sandbox.Member m, String table, String key) throws SQLException {
        String[] p = table.split("\\.");
        List<String> columns = new ArrayList<>();
        try (java.sql.Connection c = m.instance().connect(); java.sql.Statement st = c.createStatement()) {
            try (java.sql.ResultSet rs = st.executeQuery("SELECT COLUMN_NAME, DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '"
                    + p[0] + "' AND TABLE_NAME = '" + p[1] + "' ORDER BY ORDINAL_POSITION")) {
                while (rs.next()) {
                    String col = "`" + rs.getString(1) + "`";
                    boolean bytes = rs.getString(2).matches("(?i).*(binary|blob|bit|geometry|point|linestring|polygon).*");
                    columns.add(bytes ? "HEX(" + col + ")" : "CAST(" + col + " AS CHAR)");
                }
            }
            List<String> rows = new ArrayList<>();
            try (java.sql.ResultSet rs = st.executeQuery("SELECT " + String.join(", ", columns) + " FROM " + table + " ORDER BY " + key)) {
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= columns.size(); i++) {
                        String v = rs.getString(i);
                        b.append(i == 1 ? "" : " | ").append(v == null ? "NULL" : v);
                    }
                    rows.add(b.toString());
                }
            }
            return rows;
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

    /** Drill settings for the tests that need their limits small and checksums off; each is proven by a test. */
    static final String TIGHT = "replica-lag-bound = 1, catch-up-timeout = 3, verify-checksums = off";
    static String drillSettings = "";

    /** drsp.conf with these drill settings for cluster 1 (none: the defaults), and a controller that read it. */
    static void useDrillSettings(String settings) throws Exception {
        if (!settings.equals(drillSettings)) {
            Files.writeString(sandbox.configFile(), sandboxConf + (settings.isEmpty() ? "" : "drsp.clusters.\"1\".drill { " + settings + " }\n"));
            drillSettings = settings;
            restartController(null);
        }
    }

    static Sandbox.Member replica(String shard) {
        return sandbox.members(Sandbox.Role.DR_REPLICA).stream().filter(m -> m.shard().equals(shard)).findFirst().orElseThrow();
    }

    /** SOURCE_DELAY on a local replica: its applier keeps running but applies each transaction only that late. */
    static void holdBack(Sandbox.Member replica, int seconds) throws SQLException {
        Db.exec(replica, "STOP REPLICA SQL_THREAD", "CHANGE REPLICATION SOURCE TO SOURCE_DELAY = " + seconds, "START REPLICA SQL_THREAD");
    }

    /** Seconds_Behind_Source as MySQL reports it; -1 while it has none (a thread not running). */
    static long secondsBehind(Sandbox.Member replica) throws SQLException {
        String s = Db.replicaStatus(replica).orElseThrow().get("Seconds_Behind_Source");
        return s == null ? -1 : Long.parseLong(s);
    }

    /**
     * {@code transactions} transactions on the primary, each one statement inserting {@code rows} rows into
     * {@code into}, the values given by {@code select} over i (1 to rows) and @t (the transaction); the rows written.
     */
    static long bulkInsert(Sandbox.Member primary, int transactions, int rows, String into, String select) throws SQLException {
        long written = 0;
        try (java.sql.Connection c = primary.instance().connect(); java.sql.Statement st = c.createStatement()) {
            st.execute("SET SESSION cte_max_recursion_depth = " + rows);
            for (int t = 0; t < transactions; t++) {
                st.execute("SET @t = " + t);
                written += st.executeUpdate("INSERT INTO " + into + " WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < "
                        + rows + ") SELECT " + select + " FROM n");
            }
        }
        return written;
    }

    /**
     * Runs a command the mode does not allow: exit 1, one sentence naming the mode, and nothing changed on any DR
     * member, neither data nor GTID sets nor replication links (no link to production created or started).
     */
    static void refusedForItsModeAndNothingChanged(String mode, String... command) throws Exception {
        awaitReplicasCaughtUp();
        Reading before = Reading.take();
        Map<String, Map<String, String>> links = links();
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of("--config", conf));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        assertEquals(1, r.exitCode(), r.toString());
        String sentence = r.err().strip();
        assertTrue(sentence.startsWith("drsp: DR cluster 1 is in mode " + mode + ", where " + command[0] + " does not apply;")
                && !sentence.contains("\n"), sentence);
        assertEquals(mode, status().path("drMode").asText());
        assertEquals(before, Reading.take(), String.join(" ", command) + " in mode " + mode + " changed no member");
        assertEquals(links, links(), String.join(" ", command) + " in mode " + mode + " changed no replication link");
        for (String shard : sandbox.shards()) {
            Map<String, String> link = links.get(sandbox.drPrimary(shard).name());
            assertTrue(link.isEmpty() || !"Yes".equals(link.get("Replica_IO_Running")) && !"Yes".equals(link.get("Replica_SQL_Running")),
                    "dr " + shard + " does not replicate from production in mode " + mode + ": " + link);
        }
    }

    /** Every progress line the CLI printed for that activity and shard, in order: {done, total, rate per second}. */
    static List<long[]> progress(String out, String activity, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(activity + " " + label) + ": (\\d+)/(\\d+) (rows|trx), (\\d+) \\3/s, ETA (\\d+ s|\\?)$")
                .matcher(out);
        List<long[]> lines = new ArrayList<>();
        while (m.find()) {
            long[] l = {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(4))};
            assertTrue(l[0] <= l[1], m.group());
            lines.add(l);
        }
        return lines;
    }

    /** SHOW REPLICA STATUS of every DR member, the columns that say where from and whether it runs; empty: no link. */
    static Map<String, Map<String, String>> links() throws SQLException {
        Map<String, Map<String, String>> links = new TreeMap<>();
        for (Sandbox.Member m : drMembers()) {
            Map<String, String> link = new TreeMap<>();
            Db.replicaStatus(m).ifPresent(row -> {
                for (String c : List.of("Source_Host", "Source_Port", "Replica_IO_Running", "Replica_SQL_Running", "SQL_Delay",
                        "Auto_Position", "Retrieved_Gtid_Set", "Executed_Gtid_Set")) {
                    link.put(c, row.get(c));
                }
            });
            links.put(m.name(), link);
        }
        return links;
    }

    /** The payload of the newest event of that type in the controller's journal, read from the control database. */
    static String lastJournaled(String eventType) throws SQLException {
        String payload = Db.one(sandbox.control(), "SELECT CAST(event_payload AS CHAR) FROM drsp.event_journal"
                + " WHERE event_ser_manifest LIKE '%" + eventType + "' ORDER BY ordering DESC LIMIT 1");
        assertTrue(payload != null, "the journal has a " + eventType + " event");
        return payload;
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
