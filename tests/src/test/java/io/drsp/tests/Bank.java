package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankWorkload;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The bank on a sandbox site, and the waits every scenario that writes on production needs. */
final class Bank {
    private Bank() {
    }

    /** Meta first, then the data shards, as the sandbox orders them. */
    static List<BankShard> shards(Sandbox sandbox, Sandbox.Role role) {
        return sandbox.members(role).stream().map(m -> new BankShard(m.shard(), m.endpoint(),
                sandbox.credentials().adminUser(), sandbox.credentials().adminPassword())).toList();
    }

    /** Each production shard's gtid_executed now. */
    static Map<String, GtidSet> productionExecuted(Sandbox sandbox) throws SQLException {
        Map<String, GtidSet> m = new HashMap<>();
        for (String shard : sandbox.shards()) {
            m.put(shard, Db.executed(sandbox.production(shard)));
        }
        return m;
    }

    /**
     * The set-up of a recovery scenario: the bank's schema (50 accounts a shard) synced to DR, delayed sync at 3600 s,
     * 1000 transfers on production retrieved by every DR shard, then stopsync and relaytime --all. Returns what each
     * production shard had written.
     */
    static Map<String, GtidSet> writtenThenStoppedForRecovery(Sandbox sandbox, String conf, long seed) throws Exception {
        List<BankShard> shards = shards(sandbox, Sandbox.Role.PRODUCTION);
        BankSchema.create(shards.get(0), shards.subList(1, shards.size()), 50);
        Await.until(Duration.ofSeconds(60), () -> "50".equals(DrillTest.tableExists(sandbox.drPrimary("s1"), "bank.accounts")
                ? Db.one(sandbox.drPrimary("s1"), "SELECT COUNT(*) FROM bank.accounts") : null), "DR s1 has the accounts");
        assertEquals(0, Cli.run("sync", "1", "--delay", "3600", "--config", conf).exitCode());
        BankWorkload w = new BankWorkload(shards.subList(1, shards.size()), 50, 3, 200, seed).start();
        Await.until(Duration.ofSeconds(60), () -> w.stats().committed() >= 1000, "1000 transfers");
        w.stop();
        Map<String, GtidSet> written = productionExecuted(sandbox);
        awaitRetrieved(sandbox, written);
        assertEquals(0, Cli.run("stopsync", "1", "--config", conf).exitCode());
        assertEquals(0, Cli.run("relaytime", "1", "--all", "--config", conf).exitCode());
        return written;
    }

    /** Polls until every DR shard's receiver has retrieved what production had written. */
    static void awaitRetrieved(Sandbox sandbox, Map<String, GtidSet> written) {
        Await.until(Duration.ofSeconds(60), () -> {
            for (String shard : sandbox.shards()) {
                GtidSet retrieved = GtidSet.parse(Db.replicaStatus(sandbox.drPrimary(shard)).orElseThrow().get("Retrieved_Gtid_Set"));
                if (!retrieved.containsAll(written.get(shard))) {
                    return false;
                }
            }
            return true;
        }, "every DR shard retrieved what production wrote");
    }
}
