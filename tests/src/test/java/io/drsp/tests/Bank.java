package io.drsp.tests;

import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankShard;
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
