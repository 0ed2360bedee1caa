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
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A drill on a bank that moves money across shards with XA, production's coordinators "killed" now and then: the
 * drill's recover makes DR consistent across shards, drill traffic includes cross-shard transfers, and a branch its
 * coordinator abandoned keeps stopservice from closing DR until it is resolved (refused, naming it, past the drain
 * bound). Flashback and purge then return every DR member to the snapshot point exactly, and after the drill DR
 * ends equal to production.
 */
class XaDrillTest {
    static final Path DIR = Path.of("target/xa-drill").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static final int DRAIN_TIMEOUT = 3;
    static Sandbox sandbox;
    static String conf;
    static Process controller;
    static BankWorkload production;

    @BeforeAll
    static void up() throws Exception {
        sandbox = Sandbox.upReplacing(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
        Files.writeString(sandbox.configFile(), "drsp.clusters.\"1\".service.drain-timeout = " + DRAIN_TIMEOUT + "\n",
                StandardOpenOption.APPEND);
        conf = sandbox.configFile().toString();
        controller = ControllerCrashTest.startController(conf, DIR, Map.of());
        List<BankShard> shards = Bank.shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        production = new BankWorkload(shards.subList(1, shards.size()), 50, 2, 60, SEED).withCrossShard(0.5, 0.1, 1).start();
        assertEquals(0, Cli.run("sync", "1", "--delay", "2", "--config", conf).exitCode());
    }

    @AfterAll
    static void down() throws Exception {
        TearDown.all(production, controller, sandbox);
    }

    @Test
    void aDrillWithCrossShardTrafficAndAnAbandonedBranchEndsExactlyAtItsSnapshotPoint() throws Exception {
        Await.until(Duration.ofSeconds(90), () -> DrillTest.tableExists(sandbox.drPrimary("s2"), "bank.transfers")
                && production.stats().crossShardCommitted() > 100 && production.stats().abandoned() > 3,
                "DR has the bank and production has moved money across shards, some coordinators killed");
        Cli.Result started = Cli.run("drill", "1", "--to", "", "--delay", "2", "--config", conf);
        assertEquals(0, started.exitCode(), started.toString());
        Map<String, GtidSet> point = new TreeMap<>();
        Map<String, Map<String, Long>> sums = new TreeMap<>();
        DrillTest.snapshotPoint(conf, point, sums);
        List<BankShard> dr = Bank.shards(sandbox, Sandbox.Role.DR).subList(1, 3);
        assertEquals(List.of(), XaJournal.read(dr).torn(), "the drill starts from a point consistent across shards");
        assertEquals(0, XaJournal.read(dr).preparedBranches(), "and with nothing prepared");

        BankWorkload drill = new BankWorkload(dr, 50, 2, 100, SEED + 1).withCrossShard(0.5, 0, 0).start();
        Await.until(Duration.ofSeconds(60), () -> drill.stats().crossShardCommitted() >= 200, "200 cross-shard drill transfers");
        drill.stop();
        // Coordinators of the drill die: one after preparing both branches of a transfer, one after committing the
        // first of its two branches.
        for (String shard : List.of("s1", "s2")) {
            // ids read first: a subquery in the UPDATE would take shared locks on every account, the other branch's too
            String first = Db.one(sandbox.drPrimary(shard), "SELECT MIN(id) FROM bank.accounts");
            String last = Db.one(sandbox.drPrimary(shard), "SELECT MAX(id) FROM bank.accounts");
            try (Connection c = sandbox.drPrimary(shard).instance().connect(); Statement st = c.createStatement()) {
                st.execute("XA START 'drill-abandoned','" + shard + "'");
                st.execute("UPDATE bank.accounts SET balance = balance + 1 WHERE id = " + last);
                st.execute("XA END 'drill-abandoned','" + shard + "'");
                st.execute("XA PREPARE 'drill-abandoned','" + shard + "'");
                st.execute("XA START 'drill-half','" + shard + "'");
                st.execute("UPDATE bank.accounts SET balance = balance " + (shard.equals("s1") ? "- 1" : "+ 1")
                        + " WHERE id = " + first);
                st.execute("XA END 'drill-half','" + shard + "'");
                st.execute("XA PREPARE 'drill-half','" + shard + "'");
            }
        }
        Db.exec(sandbox.drPrimary("s1"), "XA COMMIT 'drill-half','s1'");
        JsonNode seen = status();
        for (JsonNode shard : seen.path("shards")) {
            String name = shard.path("shard").asText();
            if (!name.equals("meta")) {
                assertEquals(name.equals("s1") ? 1 : 2, shard.path("dr").path("xaPrepared").asInt(-1), "status counts the prepared branches: " + shard);
            }
        }
        Cli.Result table = Cli.run("status", "1", "--config", conf);
        assertTrue(table.out().contains("prepared XA branches") && table.out().contains("dr 2"), table.out());

        Cli.Result refused = Cli.run("stopservice", "1", "--config", conf);
        assertEquals(1, refused.exitCode(), refused.toString());
        assertTrue(refused.err().contains("prepared XA branch") && refused.err().contains("'drill-abandoned','s"), refused.err());
        assertEquals("SERVICE", status().path("drMode").asText(), "DR stays in service");

        Cli.Result dry = Cli.run("stopservice", "1", "--resolve-prepared", "--dry-run", "--config", conf);
        assertEquals(0, dry.exitCode(), dry.toString());
        assertTrue(dry.out().contains("s2: XA COMMIT 'drill-half','s2',1 (another branch of it was committed)")
                && dry.out().contains("s1: XA ROLLBACK 'drill-abandoned','s1',1") && dry.out().contains("s2: XA ROLLBACK 'drill-abandoned','s2',1")
                && dry.out().contains("would resolve 3 prepared XA branches"), dry.out());
        assertEquals(1, Db.xaRecover(sandbox.drPrimary("s1")).size(), "the dry run changed nothing on s1");
        assertEquals(2, Db.xaRecover(sandbox.drPrimary("s2")).size(), "nor on s2");

        Cli.Result resolved = Cli.run("stopservice", "1", "--resolve-prepared", "--config", conf);
        assertEquals(0, resolved.exitCode(), resolved.toString());
        assertEquals("SERVICE_STOPPED", status().path("drMode").asText());
        BankTotals afterResolve = BankTotals.read(dr);
        assertTrue(afterResolve.holds(), "drill-half committed on both shards, drill-abandoned on neither: " + afterResolve);

        Cli.Result flashback = Cli.run("flashback", "1", "--config", conf);
        assertEquals(0, flashback.exitCode(), flashback.toString());
        Cli.Result purge = Cli.run("purge", "1", "--config", conf);
        assertEquals(0, purge.exitCode(), purge.toString());
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            assertEquals(point.get(m.shard()), Db.executed(m), m.name() + " has exactly the snapshot point as GTID set");
            assertEquals(sums.get(m.shard()), Copies.checksums(m, false), m.name() + " equals the snapshot point (seed " + SEED + ")");
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared");
        }

        Cli.Result end = Cli.run("drill", "1", "--end", "--config", conf);
        assertEquals(0, end.exitCode(), end.toString());
        production.stop(); // resolves production's abandoned transfers
        Map<String, GtidSet> written = Bank.productionExecuted(sandbox);
        Copies.awaitApplied(DrillTest.drMembers(sandbox), written, Duration.ofSeconds(120));
        for (Sandbox.Member m : DrillTest.drMembers(sandbox)) {
            Copies.assertEqualsProduction(sandbox, m, "after the drill, seed " + SEED);
            assertEquals(List.of(), Db.xaRecover(m), m.name() + ": nothing prepared, as on production");
        }
        assertEquals(List.of(), XaJournal.read(dr).torn());
        BankTotals totals = BankTotals.read(dr);
        assertTrue(totals.holds(), "the bank invariant holds on DR: " + totals);
    }


    static JsonNode status() throws Exception {
        Cli.Result r = Cli.run("status", "1", "--json", "--config", conf);
        assertEquals(0, r.exitCode(), r.toString());
        return new ObjectMapper().readTree(r.out());
    }
}
