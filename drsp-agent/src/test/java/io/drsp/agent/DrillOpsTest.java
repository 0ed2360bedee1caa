package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.config.Endpoint;
import io.drsp.core.config.UserRef;
import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidInterval;
import io.drsp.core.gtid.GtidSet;
import io.drsp.flashback.ConnectionSettings;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.Selection;
import io.drsp.sandbox.MysqlInstance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The end of an island drill on one DR shard with a local replica: flashback with sql_log_bin on, the replica replays
 * the undo, both are purged to the snapshot point, and their tables checksum as at the snapshot. What "as at the
 * snapshot" means is the test's own record, taken by plain JDBC when the snapshot is taken (CHECKSUM TABLE of every
 * table and every row of {@code bank.accounts}), so a fault in drsp's checksums cannot hide a fault in its flashback.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrillOpsTest {
    static final Path ROOT = Path.of("target/drill-ops").toAbsolutePath();
    static final long SEED = Long.getLong("drsp.seed", System.nanoTime());
    static MysqlInstance primary;
    static MysqlInstance replica;
    static DrillOps primaryOps;
    static ConnectionSettings primarySettings;
    static DrillOps replicaOps;
    static GtidSet snapshot;
    static Map<String, Long> snapshotSums;
    /** The test's own CHECKSUM TABLE of each table and row dump of bank.accounts at the snapshot, not drsp's. */
    static Map<String, Long> snapshotOwnSums;
    static List<List<String>> snapshotAccounts;

    @BeforeAll
    static void up() throws Exception {
        primary = MysqlInstance.startNew(ROOT, "dr-s1", 301, Map.of());
        replica = MysqlInstance.startNew(ROOT, "dr-s1-r1", 302, Map.of("super-read-only", "ON"));
        exec(replica, "CHANGE REPLICATION SOURCE TO SOURCE_HOST='127.0.0.1', SOURCE_PORT=" + primary.port() + ", SOURCE_USER='"
                + primary.credentials().replicationUser() + "', SOURCE_PASSWORD='" + primary.credentials().replicationPassword()
                + "', SOURCE_AUTO_POSITION=1, GET_SOURCE_PUBLIC_KEY=1", "START REPLICA");
        UserRef admin = TestAccounts.withPasswordFile("admin", primary.credentials().adminUser(),
                primary.credentials().adminPassword(), ROOT.resolve("admin.secret"));
        primarySettings = new ConnectionSettings("127.0.0.1", primary.port(), primary.credentials().adminUser(),
                primary.credentials().adminPassword());
        primaryOps = new DrillOps(new MemberConnection(NodeKey.parse("1/dr/s1"), Endpoint.parse(primary.endpoint()), admin,
                java.util.Optional.empty()));
        replicaOps = new DrillOps(new MemberConnection(NodeKey.parse("1/dr/s1/r1"), Endpoint.parse(replica.endpoint()), admin,
                java.util.Optional.empty()));
        exec(primary, "CREATE DATABASE bank",
                "CREATE TABLE bank.accounts (id BIGINT PRIMARY KEY, owner VARCHAR(64) CHARACTER SET utf8mb4, balance DECIMAL(20,2),"
                        + " opened DATETIME(6), note BLOB)",
                "CREATE TABLE bank.ledger (account BIGINT, amount DECIMAL(20,2), at TIMESTAMP(3) NULL)");
        StringBuilder rows = new StringBuilder();
        for (int i = 1; i <= 200; i++) {
            rows.append(i == 1 ? "" : ",").append("(").append(i).append(", 'cliente-").append(i).append("-\u00e9\u4e2d\uD83D\uDE00', ")
                    .append(i * 10).append(".25, '2024-01-01 10:00:00.123456', X'00ff").append(String.format("%02x", i % 256)).append("')");
        }
        exec(primary, "INSERT INTO bank.accounts VALUES " + rows, "INSERT INTO bank.ledger VALUES (1, 5.00, NULL), (1, 5.00, NULL)");
        snapshot = executed(primary);
        replicaOps.awaitCaughtUp(snapshot, Duration.ofSeconds(60), NO_PROGRESS);
        assertTrue(executed(replica).containsAll(snapshot));
        snapshotOwnSums = checksums(primary);
        snapshotAccounts = accounts(primary);
        assertEquals(Set.of("`bank`.`accounts`", "`bank`.`ledger`"), snapshotOwnSums.keySet());
        assertEquals(200, snapshotAccounts.size());
        // the dump keeps what was inserted, the binary column included: equal dumps mean equal rows
        assertEquals(List.of("1", "cliente-1-\u00e9\u4e2d\uD83D\uDE00", "10.25", "2024-01-01 10:00:00.123456", "0x00ff01"),
                snapshotAccounts.get(0));
        assertEquals(snapshotOwnSums, checksums(replica), "replica equals primary at the snapshot");
        assertEquals(snapshotAccounts, accounts(replica), "replica equals primary at the snapshot");
        snapshotSums = primaryOps.tableChecksums();
        assertEquals(snapshotSums, replicaOps.tableChecksums(), "replica equals primary at the snapshot");
    }

    @AfterAll
    static void down() {
        if (replica != null) {
            replica.stop();
        }
        if (primary != null) {
            primary.stop();
        }
    }

    @Test
    @Order(1)
    void aDrillIsFlashedBackReplayedByTheReplicaAndPurgedToTheSnapshot() throws Exception {
        Random r = new Random(SEED);
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            for (int t = 0; t < 300; t++) {
                int id = 1 + r.nextInt(260);
                switch (r.nextInt(5)) {
                    case 0 -> st.execute("INSERT IGNORE INTO bank.accounts VALUES (" + (200 + id) + ", 'drill', 1.00, NOW(6), X'01')");
                    case 1 -> st.execute("UPDATE bank.accounts SET balance = balance - 1.10, note = X'ff00' WHERE id = " + id);
                    case 2 -> st.execute("DELETE FROM bank.accounts WHERE id = " + id);
                    case 3 -> st.execute("UPDATE bank.accounts SET id = id + 1000 WHERE id = " + id);
                    default -> st.execute("INSERT INTO bank.ledger VALUES (1, 5.00, NULL)"); // a duplicate row in a keyless table
                }
            }
        }
        assertTrue(!checksums(primary).equals(snapshotOwnSums) && !accounts(primary).equals(snapshotAccounts),
                "the drill changed data (seed " + SEED + ")");
        assertTrue(!primaryOps.tableChecksums().equals(snapshotSums), "drsp sees the drill's changes (seed " + SEED + ")");
        Path archive = ROOT.resolve("archive");
        DrillOps.DrillArchive drill = primaryOps.archive(snapshot, archive);
        assertEquals(executed(primary).subtract(snapshot), drill.drill());
        assertEquals(drill.drill().size(), drill.transactions(), "every drill transaction is archived");
        assertTrue(drill.transactions() > 150, "most of the 300 drill statements changed a row: " + drill.transactions());
        assertTrue(Files.size(archive.resolve("forward.sql")) > 0 && Files.size(archive.resolve("reverse.sql")) > 0,
                "the drill's forward and reverse SQL are archived before anything is reversed");

        // A flashback cut short: the newest 100 drill transactions are undone (with the ledger, as a crashed run
        // leaves them), then the drill's flashback runs again and must undo exactly the other 200.
        GtidSet newest = newest(drill.drill(), 100);
        try (Connection c = primary.connect(); Statement st = c.createStatement()) {
            st.execute("SET GLOBAL super_read_only = OFF");
            st.execute("CREATE DATABASE " + DrillOps.LEDGER_SCHEMA);
            st.execute("CREATE TABLE " + DrillOps.LEDGER + " (source_gtid VARCHAR(100) PRIMARY KEY, reversed_at TIMESTAMP(6) NULL)");
        }
        try (FlashbackPlan partial = Flashback.plan(FlashbackRequest.onServer(primarySettings, new Selection.Only(newest))
                .withOptions(FlashbackApplier.Options.defaults().withSqlLogBin(true).withLedger(DrillOps.LEDGER)))) {
            Flashback.apply(partial, p -> { });
        }
        long[] last = new long[2];
        String done = primaryOps.flashback(drill.drill(), (d, t) -> {
            last[0] = d;
            last[1] = t;
        });
        assertTrue(done.startsWith("undid " + (drill.transactions() - 100) + " transactions")
                && done.contains("100 were undone before a restart"), done);
        assertTrue(last[1] > 0 && last[0] == last[1], "progress reached its total: " + last[0] + "/" + last[1]);
        assertEquals(snapshotSums.keySet(), withoutLedger(primaryOps.tableChecksums()).keySet());
        assertEquals(snapshotOwnSums, withoutLedger(checksums(primary)), "primary data is the snapshot's again (seed " + SEED + ")");
        assertEquals(snapshotAccounts, accounts(primary), "primary accounts are the snapshot's again, row by row (seed " + SEED + ")");
        assertEquals(snapshotSums, withoutLedger(primaryOps.tableChecksums()), "drsp agrees (seed " + SEED + ")");
        assertEquals("1", one(primary, "SELECT @@GLOBAL.super_read_only"), "a DR shard outside service stays super read-only");
        assertEquals("all " + drill.transactions() + " drill transactions are undone", primaryOps.flashback(drill.drill(), NO_PROGRESS),
                "running the flashback again changes nothing");

        replicaOps.awaitCaughtUp(executed(primary), Duration.ofSeconds(60), NO_PROGRESS);
        assertEquals(snapshotOwnSums, withoutLedger(checksums(replica)), "the replica replayed the flashback (seed " + SEED + ")");
        assertEquals(snapshotAccounts, accounts(replica), "the replica replayed the flashback (seed " + SEED + ")");
        assertEquals(snapshotSums, withoutLedger(replicaOps.tableChecksums()), "drsp agrees (seed " + SEED + ")");

        primaryOps.purgeTo(snapshot);
        replicaOps.purgeTo(snapshot);
        assertEquals(snapshot, executed(primary));
        assertEquals(snapshot, executed(replica));
        // the flashback ledger goes with the purge: every table, and only those, as at the snapshot
        assertEquals(snapshotOwnSums, checksums(primary));
        assertEquals(snapshotOwnSums, checksums(replica));
        assertEquals(snapshotAccounts, accounts(primary));
        assertEquals(snapshotAccounts, accounts(replica));
        assertEquals(snapshotSums, primaryOps.tableChecksums());
        assertEquals(snapshotSums, replicaOps.tableChecksums());
        exec(primary, "SET GLOBAL super_read_only = OFF", "SET GLOBAL read_only = OFF", // the next drill's service
                "INSERT INTO bank.ledger VALUES (2, 1.00, NULL)");
        replicaOps.awaitCaughtUp(executed(primary), Duration.ofSeconds(60), NO_PROGRESS); // replication from the primary works again
    }

    @Test
    @Order(2)
    void aDrillWithDdlIsRefusedNamingItAndNothingChanges() throws Exception {
        GtidSet before = executed(primary);
        exec(primary, "UPDATE bank.accounts SET balance = 0 WHERE id = 7", "ALTER TABLE bank.ledger ADD COLUMN memo VARCHAR(10)");
        Map<String, Long> sums = primaryOps.tableChecksums();
        Map<String, Long> ownSums = checksums(primary);
        List<List<String>> rows = accounts(primary);
        GtidSet withDdl = executed(primary);
        MysqlOperationException e = assertThrows(MysqlOperationException.class,
                () -> primaryOps.archive(before, ROOT.resolve("archive-ddl")));
        assertTrue(e.getMessage().contains("ALTER TABLE bank.ledger ADD COLUMN memo") && e.getMessage().contains("nothing was changed")
                && e.getMessage().contains("Restore this shard from a backup"), e.getMessage());
        assertEquals(withDdl, executed(primary), "nothing was applied");
        assertEquals(ownSums, checksums(primary));
        assertEquals(rows, accounts(primary));
        assertEquals(sums, primaryOps.tableChecksums());
    }

    /** CHECKSUM TABLE of every table outside MySQL's own schemas, keyed `schema`.`table`, by plain JDBC. */
    static Map<String, Long> checksums(MysqlInstance db) throws SQLException {
        Map<String, Long> sums = new TreeMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE'"
                    + " AND TABLE_SCHEMA NOT IN ('mysql', 'sys', 'performance_schema', 'information_schema')")) {
                while (rs.next()) {
                    tables.add("`" + rs.getString(1) + "`.`" + rs.getString(2) + "`");
                }
            }
            for (String t : tables) {
                try (ResultSet rs = st.executeQuery("CHECKSUM TABLE " + t)) {
                    rs.next();
                    sums.put(t, rs.getLong(2));
                }
            }
        }
        return sums;
    }

    /**
     * Every row of bank.accounts in primary-key order, every column as a string; binary columns as hex, because
     * decoding their bytes as text would make different values look alike.
     */
    static List<List<String>> accounts(MysqlInstance db) throws SQLException {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM bank.accounts ORDER BY id")) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                List<String> row = new ArrayList<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    boolean binary = switch (md.getColumnType(i)) {
                        case Types.BINARY, Types.VARBINARY, Types.LONGVARBINARY, Types.BLOB -> true;
                        default -> false;
                    };
                    byte[] bytes = binary ? rs.getBytes(i) : null;
                    row.add(binary ? (bytes == null ? null : "0x" + HexFormat.of().formatHex(bytes)) : rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }

    static final JobRunner.Progress NO_PROGRESS = (d, t) -> { };

    /** The {@code n} highest-numbered transactions of a single-uuid set: the newest of a drill on one server. */
    static GtidSet newest(GtidSet set, int n) {
        assertEquals(1, set.uuids().size(), "a drill on one server has one uuid");
        String uuid = set.uuids().first();
        List<GtidInterval> intervals = set.intervals(uuid);
        GtidSet.Builder b = GtidSet.builder();
        int taken = 0;
        for (int i = intervals.size() - 1; i >= 0 && taken < n; i--) {
            for (long gno = intervals.get(i).last(); gno >= intervals.get(i).first() && taken < n; gno--, taken++) {
                b.add(new Gtid(uuid, gno));
            }
        }
        return b.build();
    }

    static Map<String, Long> withoutLedger(Map<String, Long> sums) {
        Map<String, Long> m = new java.util.TreeMap<>(sums);
        m.keySet().removeIf(t -> t.startsWith("`" + DrillOps.LEDGER_SCHEMA + "`"));
        return m;
    }

    static String one(MysqlInstance db, String sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static GtidSet executed(MysqlInstance db) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT @@GLOBAL.gtid_executed")) {
            rs.next();
            return GtidSet.parse(rs.getString(1));
        }
    }

    static void exec(MysqlInstance db, String... sql) throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }
}
