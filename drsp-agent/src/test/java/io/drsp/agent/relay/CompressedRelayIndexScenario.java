package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The relay index when production compresses transactions ({@code binlog_transaction_compression=ON}: GTID event
 * outside, everything else in one TRANSACTION_PAYLOAD), under the checksum settings a subclass names for each server.
 * The relay log mixes both servers' events: the source's as received, the DR's own rotate and format descriptions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CompressedRelayIndexScenario {

    private ReplicationPair pair;

    abstract String name();

    abstract int serverIdBase();

    abstract String sourceChecksum();

    abstract String drChecksum();

    @BeforeAll
    void startPair() {
        pair = ReplicationPair.start(name(), serverIdBase(),
                Map.of("binlog-checksum", sourceChecksum(), "binlog-transaction-compression", "ON"),
                Map.of("binlog-checksum", drChecksum()));
        Workload.createTable(pair.source);
    }

    @AfterAll
    void stopPair() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    void indexesCompressedAndXaTransactionsExactly() throws Exception {
        assertEquals(sourceChecksum(), ReplicationPair.query(pair.source, "SELECT @@binlog_checksum"));
        assertEquals(drChecksum(), ReplicationPair.query(pair.dr, "SELECT @@binlog_checksum"));
        long seed = System.nanoTime();
        Workload.mixed(pair.source, 2, 150, seed);
        ReplicationPair.exec(pair.source, "FLUSH BINARY LOGS");
        pair.awaitRetrieved();
        // The receiver writes the source's rotate and format events after the last GTID is retrieved; with it stopped
        // the relay files hold still, so the bytes measured are the bytes the index saw (CI once saw 407 arrive late).
        ReplicationPair.exec(pair.dr, "STOP REPLICA IO_THREAD", "FLUSH RELAY LOGS");
        Path indexFile = pair.relayIndexFile();
        RelayIndex index = RelayIndex.open(indexFile);
        GtidSet beforeXa = index.retrieved();
        long sizeBefore = totalSize(indexFile);
        ReplicationPair.exec(pair.dr, "START REPLICA IO_THREAD");

        ReplicationPair.exec(pair.source,
                "XA START 'bank-1','shard-a'", "INSERT INTO relaytest.t (k, c) VALUES (1, 'xa1')", "XA END 'bank-1','shard-a'",
                "XA PREPARE 'bank-1','shard-a'", "XA COMMIT 'bank-1','shard-a'",
                "XA START 'bank-2','shard-a',3", "INSERT INTO relaytest.t (k, c) VALUES (2, 'xa2')", "XA END 'bank-2','shard-a',3",
                "XA PREPARE 'bank-2','shard-a',3", "XA ROLLBACK 'bank-2','shard-a',3",
                "XA START 'bank-3'", "INSERT INTO relaytest.t (k, c) VALUES (3, 'xa3')", "XA END 'bank-3'", "XA COMMIT 'bank-3' ONE PHASE",
                "CREATE TABLE relaytest.ddl (id INT PRIMARY KEY)");
        Workload.mixed(pair.source, 2, 150, seed + 100);
        pair.awaitRetrieved();
        ReplicationPair.exec(pair.dr, "STOP REPLICA IO_THREAD");
        long indexedBefore = index.size();
        RefreshResult r = index.refresh();
        assertEquals(totalSize(indexFile) - sizeBefore, r.bytesRead(), "an incremental refresh reads exactly the new bytes");
        assertEquals(index.size() - indexedBefore, r.transactionsAdded());

        List<String> decoded = RelayIndexTest.mysqlbinlog(RelayLogIndexFile.read(indexFile));
        assertTrue(decoded.stream().anyMatch(l -> l.contains("Transaction_Payload")), "relay log holds compressed transactions");

        MysqlbinlogOracle oracle = MysqlbinlogOracle.ofBinlogs(MysqlbinlogOracle.binlogIndex(pair.source));
        assertEquals(oracle.all(), index.retrieved(), "seed " + seed);
        RelayIndexTest.assertOracleAgrees(index, oracle, seed, 12);

        List<XaInfo> xa = index.transactionsIn(index.retrieved().subtract(beforeXa)).stream()
                .map(RelayTransaction::xa).filter(x -> x != null).toList();
        assertEquals(List.of(
                new XaInfo("bank-1", "shard-a", 1, XaPhase.PREPARE),
                new XaInfo("bank-1", "shard-a", 1, XaPhase.COMMIT),
                new XaInfo("bank-2", "shard-a", 3, XaPhase.PREPARE),
                new XaInfo("bank-2", "shard-a", 3, XaPhase.ROLLBACK),
                new XaInfo("bank-3", "", 1, XaPhase.ONE_PHASE)), xa);
        long relayBytes = totalSize(indexFile);
        long txBytes = index.bytesOf(index.retrieved());
        assertTrue(txBytes > relayBytes / 2 && txBytes < relayBytes, txBytes + " of " + relayBytes);
    }

    private static long totalSize(Path indexFile) throws java.io.IOException {
        long total = 0;
        for (Path f : RelayLogIndexFile.read(indexFile)) {
            total += Files.size(f);
        }
        return total;
    }
}
