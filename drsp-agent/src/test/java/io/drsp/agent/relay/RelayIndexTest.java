package io.drsp.agent.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** The relay index against a real delayed DR shard (CRC32 checksums, no compression). */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RelayIndexTest {

    private static ReplicationPair pair;

    @BeforeAll
    static void startPair() {
        pair = ReplicationPair.start("relay-crc", 211, Map.of(), Map.of());
        Workload.createTable(pair.source);
    }

    @AfterAll
    static void stopPair() {
        if (pair != null) {
            pair.close();
        }
    }

    @Test
    @Order(1)
    void indexesSeveralRelayFilesAndRotationsThenReadsOnlyNewBytes() throws Exception {
        Workload.small(pair.source, 40);
        ReplicationPair.exec(pair.source, "FLUSH BINARY LOGS");
        Workload.small(pair.source, 40);
        pair.awaitRetrieved();
        ReplicationPair.exec(pair.dr, "FLUSH RELAY LOGS");
        Workload.small(pair.source, 40);
        ReplicationPair.exec(pair.source, "FLUSH BINARY LOGS");
        Workload.small(pair.source, 40);
        GtidSet executed = pair.awaitRetrieved();

        Path indexFile = pair.relayIndexFile();
        List<Path> relayFiles = RelayLogIndexFile.read(indexFile);
        assertTrue(relayFiles.size() >= 2, "relay files " + relayFiles);
        RelayIndex index = RelayIndex.open(indexFile);
        assertEquals(executed, index.retrieved());
        assertEquals(pair.drRetrieved(), index.retrieved());
        assertEquals(executed.size(), index.size());
        assertEventBoundaries(index, relayFiles);
        assertTrue(index.lastCommitMicros().getAsLong() >= index.firstCommitMicros().getAsLong());
        assertEquals(index.bytesOf(index.retrieved()),
                index.transactionsIn(index.retrieved()).stream().mapToLong(RelayTransaction::sizeBytes).sum());

        RefreshResult idle = index.refresh();
        assertEquals(new RefreshResult(0, 0, 0, 1), idle);

        long before = totalSize(indexFile);
        Workload.small(pair.source, 25);
        ReplicationPair.exec(pair.dr, "FLUSH RELAY LOGS");
        Workload.small(pair.source, 5);
        GtidSet now = pair.awaitRetrieved();
        RefreshResult r = index.refresh();
        assertEquals(30, r.transactionsAdded());
        assertEquals(totalSize(indexFile) - before, r.bytesRead(), "an incremental refresh reads exactly the new bytes");
        assertEquals(now, index.retrieved());
    }

    @Test
    @Order(2)
    void recordsXaIdentityAndPhaseOfEachXaStatement() {
        RelayIndex index = RelayIndex.open(pair.relayIndexFile());
        GtidSet before = index.retrieved();
        ReplicationPair.exec(pair.source,
                "XA START 'g1','b1'", "INSERT INTO relaytest.t (k, c) VALUES (1, 'xa1')", "XA END 'g1','b1'", "XA PREPARE 'g1','b1'",
                "XA START 'g2','b2',7", "INSERT INTO relaytest.t (k, c) VALUES (2, 'xa2')", "XA END 'g2','b2',7", "XA PREPARE 'g2','b2',7",
                "XA COMMIT 'g1','b1'",
                "XA ROLLBACK 'g2','b2',7",
                "XA START 'g3'", "INSERT INTO relaytest.t (k, c) VALUES (3, 'xa3')", "XA END 'g3'", "XA COMMIT 'g3' ONE PHASE",
                "INSERT INTO relaytest.t (k, c) VALUES (4, 'plain')");
        pair.awaitRetrieved();
        index.refresh();
        List<RelayTransaction> added = index.transactionsIn(index.retrieved().subtract(before));
        assertEquals(List.of(
                new XaInfo("g1", "b1", 1, XaPhase.PREPARE),
                new XaInfo("g2", "b2", 7, XaPhase.PREPARE),
                new XaInfo("g1", "b1", 1, XaPhase.COMMIT),
                new XaInfo("g2", "b2", 7, XaPhase.ROLLBACK),
                new XaInfo("g3", "", 1, XaPhase.ONE_PHASE)),
                added.stream().limit(5).map(RelayTransaction::xa).toList());
        assertEquals(6, added.size());
        assertEquals(null, added.get(5).xa());
    }

    @Test
    @Order(3)
    void indexesWhatIsCompleteInATruncatedTailAndResumesWithoutRereading(@TempDir Path tmp) throws IOException {
        Workload.small(pair.source, 20);
        pair.awaitRetrieved();
        Path indexFile = pair.relayIndexFile();
        RelayIndex reference = RelayIndex.open(indexFile);
        List<Path> files = RelayLogIndexFile.read(indexFile);
        Path last = files.get(files.size() - 1);
        List<RelayTransaction> all = reference.transactionsIn(reference.retrieved());
        List<RelayTransaction> inLast = all.stream().filter(t -> t.relayFile().equals(last.getFileName().toString())).toList();
        assertTrue(inLast.size() >= 10, "transactions in the last relay file: " + inLast.size());

        // The copy: every file but the last whole, the last cut 30 bytes into the event after a transaction.
        StringBuilder listing = new StringBuilder();
        for (Path f : files) {
            listing.append("./").append(f.getFileName()).append('\n');
            if (!f.equals(last)) {
                Files.copy(f, tmp.resolve(f.getFileName()));
            }
        }
        Files.writeString(tmp.resolve("relay.index"), listing.toString());
        byte[] lastBytes = Files.readAllBytes(last);
        RelayTransaction cutAfter = inLast.get(inLast.size() / 2);
        int firstCut = (int) cutAfter.endPosition() + 30;
        Path copy = tmp.resolve(last.getFileName());
        Files.write(copy, java.util.Arrays.copyOf(lastBytes, firstCut));

        RelayIndex index = RelayIndex.open(tmp.resolve("relay.index"));
        long bytesRead = index.refresh().bytesRead(); // nothing new: must read nothing
        assertEquals(0, bytesRead);
        assertEquals(expectedUpTo(all, last, cutAfter.endPosition()), index.retrieved());

        // Grow it to the middle of a later transaction's last event, then to the end.
        RelayTransaction later = inLast.get(inLast.size() - 2);
        int secondCut = (int) later.endPosition() - 5;
        Files.write(copy, java.util.Arrays.copyOfRange(lastBytes, firstCut, secondCut), java.nio.file.StandardOpenOption.APPEND);
        RefreshResult r2 = index.refresh();
        assertEquals(expectedUpTo(all, last, later.endPosition() - 1), index.retrieved());
        Files.write(copy, java.util.Arrays.copyOfRange(lastBytes, secondCut, lastBytes.length), java.nio.file.StandardOpenOption.APPEND);
        RefreshResult r3 = index.refresh();
        assertEquals(reference.retrieved(), index.retrieved());
        assertEquals(reference.transactionsIn(reference.retrieved()), index.transactionsIn(index.retrieved()));

        RelayIndex fresh = RelayIndex.open(tmp.resolve("relay.index"));
        assertEquals(index.retrieved(), fresh.retrieved());
        assertTrue(r2.bytesRead() > 0 && r3.bytesRead() > 0);
        // open stopped at the last complete event before the cut; the refreshes read the rest of the file, once
        assertEquals(lastBytes.length - cutAfter.endPosition(), r2.bytesRead() + r3.bytesRead(),
                "bytes read after the cut add up to the rest of the file, nothing read twice");
    }

    private static GtidSet expectedUpTo(List<RelayTransaction> all, Path lastFile, long endPosition) {
        GtidSet.Builder b = GtidSet.builder();
        for (RelayTransaction t : all) {
            if (!t.relayFile().equals(lastFile.getFileName().toString()) || t.endPosition() <= endPosition) {
                b.add(t.gtid());
            }
        }
        return b.build();
    }

    @Test
    @Order(4)
    void committedAtOrBeforeMatchesMysqlbinlogOfTheSourceBinlogs() throws Exception {
        long seed = System.nanoTime();
        RelayIndex index = RelayIndex.open(pair.relayIndexFile());
        int relayFiles = RelayLogIndexFile.read(pair.relayIndexFile()).size();
        java.util.concurrent.atomic.AtomicReference<Throwable> flushFailed = new java.util.concurrent.atomic.AtomicReference<>();
        Thread flusher = new Thread(() -> {
            try {
                for (int i = 0; i < 3; i++) {
                    ReplicationPair.exec(pair.source, "DO SLEEP(0.3)", "FLUSH BINARY LOGS");
                    ReplicationPair.exec(pair.dr, "FLUSH RELAY LOGS");
                }
            } catch (Throwable t) {
                flushFailed.set(t);
            }
        });
        flusher.start();
        Workload.mixed(pair.source, 3, 700, seed);
        flusher.join();
        // the rotations during the workload are the point of this test: they must have happened
        org.junit.jupiter.api.Assertions.assertNull(flushFailed.get(), () -> "the flusher failed: " + flushFailed.get());
        assertTrue(RelayLogIndexFile.read(pair.relayIndexFile()).size() >= relayFiles + 3, "three relay rotations at least");
        pair.awaitRetrieved();
        RefreshResult r = index.refresh();
        assertTrue(r.transactionsAdded() >= 2100, "seed " + seed + ": " + r);

        MysqlbinlogOracle oracle = MysqlbinlogOracle.ofBinlogs(MysqlbinlogOracle.binlogIndex(pair.source));
        assertEquals(oracle.all(), index.retrieved(), "seed " + seed);
        assertOracleAgrees(index, oracle, seed, 20);
    }

    static void assertOracleAgrees(RelayIndex index, MysqlbinlogOracle oracle, long seed, int times) {
        Random random = new Random(seed);
        List<Long> stamps = new ArrayList<>(new TreeSet<>(oracle.commitMicros.values()));
        long first = stamps.get(0);
        long last = stamps.get(stamps.size() - 1);
        assertEquals(first, index.firstCommitMicros().getAsLong(), "seed " + seed);
        assertEquals(last, index.lastCommitMicros().getAsLong(), "seed " + seed);
        List<Long> targets = new ArrayList<>(List.of(first - 1, first, last, last + 1));
        for (int i = 0; i < times; i++) {
            long exact = stamps.get(random.nextInt(stamps.size()));
            targets.add(switch (i % 3) {
                case 0 -> exact;
                case 1 -> exact - 1;
                default -> first + (long) (random.nextDouble() * (last - first));
            });
        }
        for (long t : targets) {
            assertEquals(oracle.committedAtOrBefore(t), index.committedAtOrBefore(t), "seed " + seed + ", T=" + t + " µs");
        }
    }

    @Test
    @Order(5)
    void relayLogResetByChangeReplicationSourceIsDetectedAndPurgedFilesLeaveTheIndex() throws Exception {
        Path indexFile = pair.relayIndexFile();
        RelayIndex index = RelayIndex.open(indexFile);
        long indexed = index.size();
        List<Path> before = RelayLogIndexFile.read(indexFile);
        assertTrue(before.size() > 3, before.toString());

        // MySQL 8.0.33 deletes every relay file on CHANGE REPLICATION SOURCE TO (both threads stopped, no
        // RELAY_LOG_FILE) and starts again at relay.000001: same names, other files.
        ReplicationPair.exec(pair.dr, "STOP REPLICA", "CHANGE REPLICATION SOURCE TO SOURCE_DELAY=0");
        assertEquals(1, RelayLogIndexFile.read(indexFile).size());
        RefreshResult reset = index.refresh();
        assertEquals(indexed, reset.transactionsDropped(), reset.toString());
        assertEquals(GtidSet.empty(), index.retrieved());

        // The applier now applies at once and purges each relay file it finished (relay_log_purge=ON).
        ReplicationPair.exec(pair.dr, "START REPLICA");
        GtidSet all = pair.sourceExecuted();
        awaitApplied(all);
        List<Path> listed = RelayLogIndexFile.read(indexFile); // the applier is idle: nothing is purged meanwhile
        RefreshResult refetched = index.refresh();
        assertTrue(refetched.transactionsAdded() > 0, refetched.toString());
        assertEquals(gtidsIn(listed), index.retrieved(), "relay files " + listed);
        // MySQL purges a relay file once its applier has moved past it, at a moment of its own choosing (a
        // multithreaded applier waits for a checkpoint): rotate and apply again until it has, with a bound.
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (listed.stream().anyMatch(Files::exists)) {
            assertTrue(System.nanoTime() < deadline, "relay files " + listed + " were not purged within 120 s");
            ReplicationPair.exec(pair.dr, "FLUSH RELAY LOGS");
            Workload.small(pair.source, 3);
            awaitApplied(pair.sourceExecuted());
            Thread.sleep(200);
        }
        List<Path> remaining = RelayLogIndexFile.read(indexFile);
        RefreshResult r = index.refresh();
        assertEquals(refetched.transactionsAdded(), r.transactionsDropped(), r.toString());
        assertEquals(gtidsIn(remaining), index.retrieved(), "remaining relay files " + remaining);
        assertEquals(index.retrieved().size(), index.size());
        assertTrue(index.size() > 0 && index.size() <= 6, r.toString());
    }

    private static void awaitApplied(GtidSet want) {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!GtidSet.parse(ReplicationPair.query(pair.dr, "SELECT @@GLOBAL.gtid_executed")).containsAll(want)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("DR did not apply " + want + " within 120 s");
            }
            try {
                Thread.sleep(20); // polling, not spinning: two cores are shared with both servers
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
    }

    /** GTIDs of complete transactions in relay files, by mysqlbinlog (a GTID followed by its commit). */
    private static GtidSet gtidsIn(List<Path> relayFiles) throws Exception {
        List<String> lines = mysqlbinlog(relayFiles);
        GtidSet.Builder b = GtidSet.builder();
        Gtid open = null;
        for (String line : lines) {
            if (line.startsWith("SET @@SESSION.GTID_NEXT= '") && !line.contains("AUTOMATIC")) {
                open = Gtid.parse(line.substring(line.indexOf('\'') + 1, line.lastIndexOf('\'')));
            } else if (open != null && (line.startsWith("COMMIT/*!*/;") || line.contains("\tXid = "))) {
                b.add(open);
                open = null;
            }
        }
        return b.build();
    }

    /** Every event start in each relay file, from mysqlbinlog's "# at" lines; a transaction must end on one. */
    private static void assertEventBoundaries(RelayIndex index, List<Path> relayFiles) throws Exception {
        Map<String, Set<Long>> boundaries = new HashMap<>();
        for (Path f : relayFiles) {
            Set<Long> at = mysqlbinlog(List.of(f)).stream().filter(l -> l.startsWith("# at "))
                    .map(l -> Long.parseLong(l.substring(5).trim())).collect(Collectors.toCollection(HashSet::new));
            at.add(Files.size(f));
            boundaries.put(f.getFileName().toString(), at);
        }
        for (RelayTransaction t : index.transactionsIn(index.retrieved())) {
            assertTrue(boundaries.get(t.relayFile()).contains(t.endPosition()), t.toString());
            assertTrue(t.sizeBytes() > 0 && t.originalCommitMicros() > 1_600_000_000_000_000L, t.toString());
        }
    }

    static List<String> mysqlbinlog(List<Path> files) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(MysqlDistribution.obtain().mysqlbinlog().toString(), "--base64-output=decode-rows"));
        files.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "mysqlbinlog " + files);
        return out.lines().toList();
    }

    private static long totalSize(Path indexFile) throws IOException {
        long total = 0;
        for (Path f : RelayLogIndexFile.read(indexFile)) {
            total += Files.size(f);
        }
        return total;
    }
}
