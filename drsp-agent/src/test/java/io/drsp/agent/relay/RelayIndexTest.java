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
    void indexesWhatIsCompleteInATruncatedTailAndResumesWithoutRereading(@TempDir Path tmp) throws Exception {
        Workload.small(pair.source, 20);
        pair.awaitRetrieved();
        Path indexFile = pair.relayIndexFile();
        RelayIndex reference = RelayIndex.open(indexFile);
        List<Path> files = RelayLogIndexFile.read(indexFile);
        Path last = files.get(files.size() - 1);
        String lastName = last.getFileName().toString();
        byte[] lastBytes = Files.readAllBytes(last);

        // Where to cut comes from mysqlbinlog's reading of the whole last file, not from the index under test.
        Path whole = Files.createDirectories(tmp.resolve("whole")).resolve(lastName);
        Files.write(whole, lastBytes);
        Reading wholeLast = read(List.of(whole));
        assertEquals(-1, wholeLast.tornAt(), "the live relay file is whole");
        List<Span> inLast = wholeLast.complete().stream().filter(s -> s.start() >= 0).toList();
        assertTrue(inLast.size() >= 10, "transactions begun and ended in the last relay file: " + inLast.size());
        List<Long> eventStarts = wholeLast.eventStarts();

        // The copy: every file but the last whole, the last cut 30 bytes into the event after a transaction.
        StringBuilder listing = new StringBuilder();
        List<Path> copies = new ArrayList<>();
        for (Path f : files) {
            listing.append("./").append(f.getFileName()).append('\n');
            copies.add(tmp.resolve(f.getFileName()));
            if (!f.equals(last)) {
                Files.copy(f, tmp.resolve(f.getFileName()));
            }
        }
        Files.writeString(tmp.resolve("relay.index"), listing.toString());
        Span cutAfter = inLast.get(inLast.size() / 2);
        Span next = inLast.get(inLast.size() / 2 + 1);
        int firstCut = (int) cutAfter.end() + 30;
        assertTrue(next.start() == cutAfter.end() && eventStarts.get(eventStarts.indexOf(next.start()) + 1) > firstCut,
                "the first cut falls inside the GTID event that follows " + cutAfter);
        Path copy = tmp.resolve(lastName);
        Files.write(copy, java.util.Arrays.copyOf(lastBytes, firstCut));

        RelayIndex index = RelayIndex.open(tmp.resolve("relay.index"));
        long bytesRead = index.refresh().bytesRead(); // nothing new: must read nothing
        assertEquals(0, bytesRead);
        Reading firstCopy = read(copies);
        assertEquals(cutAfter.end(), firstCopy.tornAt(), "mysqlbinlog could not read the event the cut fell in");
        assertTrue(firstCopy.gtids().contains(cutAfter.gtid()) && !firstCopy.gtids().contains(next.gtid()), firstCopy.gtids().toString());
        assertSameAsMysqlbinlog(index, firstCopy, lastName);

        // Grow it to the middle of a later transaction's last event, then to the end.
        Span later = inLast.get(inLast.size() - 2);
        long laterLastEvent = eventStarts.stream().filter(at -> at < later.end()).mapToLong(Long::longValue).max().getAsLong();
        int secondCut = (int) later.end() - 5;
        assertTrue(laterLastEvent < secondCut, "the second cut falls inside the last event of " + later);
        Files.write(copy, java.util.Arrays.copyOfRange(lastBytes, firstCut, secondCut), java.nio.file.StandardOpenOption.APPEND);
        RefreshResult r2 = index.refresh();
        Reading secondCopy = read(copies);
        assertEquals(laterLastEvent, secondCopy.tornAt(), "mysqlbinlog could not read the event the cut fell in");
        assertFalse(secondCopy.gtids().contains(later.gtid()), secondCopy.gtids().toString());
        assertTrue(secondCopy.gtids().contains(inLast.get(inLast.size() - 3).gtid()), secondCopy.gtids().toString());
        assertSameAsMysqlbinlog(index, secondCopy, lastName);

        Files.write(copy, java.util.Arrays.copyOfRange(lastBytes, secondCut, lastBytes.length), java.nio.file.StandardOpenOption.APPEND);
        RefreshResult r3 = index.refresh();
        Reading full = read(copies);
        assertEquals(-1, full.tornAt());
        assertSameAsMysqlbinlog(index, full, lastName);
        // grown piece by piece, the index must end as one opened on the whole files does
        assertEquals(reference.retrieved(), index.retrieved());
        assertEquals(reference.transactionsIn(reference.retrieved()), index.transactionsIn(index.retrieved()));

        RelayIndex fresh = RelayIndex.open(tmp.resolve("relay.index"));
        assertEquals(index.retrieved(), fresh.retrieved());
        assertTrue(r2.bytesRead() > 0 && r3.bytesRead() > 0);
        // open stopped at the last complete event before the cut; the refreshes read the rest of the file, once
        assertEquals(lastBytes.length - cutAfter.end(), r2.bytesRead() + r3.bytesRead(),
                "bytes read after the cut add up to the rest of the file, nothing read twice");
    }

    /**
     * The index holds exactly the transactions mysqlbinlog read whole, and for those begun and ended in the cut file
     * the same end position and size.
     */
    private static void assertSameAsMysqlbinlog(RelayIndex index, Reading reading, String cutFile) {
        assertEquals(reading.gtids(), index.retrieved());
        List<Span> inFile = reading.complete().stream().filter(s -> s.file().equals(cutFile) && s.start() >= 0).toList();
        Set<Gtid> gtids = inFile.stream().map(Span::gtid).collect(Collectors.toSet());
        List<String> expected = inFile.stream().map(s -> s.gtid() + " ends at " + s.end() + ", " + (s.end() - s.start()) + " bytes").toList();
        List<String> actual = index.transactionsIn(index.retrieved()).stream()
                .filter(t -> t.relayFile().equals(cutFile) && gtids.contains(t.gtid()))
                .map(t -> t.gtid() + " ends at " + t.endPosition() + ", " + t.sizeBytes() + " bytes").toList();
        assertEquals(expected, actual);
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

    /** GTIDs of complete transactions in relay files, by mysqlbinlog. */
    private static GtidSet gtidsIn(List<Path> relayFiles) throws Exception {
        return read(relayFiles).gtids();
    }

    /**
     * A transaction mysqlbinlog read whole: the file holding its last event, where its GTID event starts in that file
     * (-1 when it began in an earlier file) and where its last event ends.
     */
    private record Span(String file, Gtid gtid, long start, long end) {
    }

    /**
     * mysqlbinlog's reading of relay files: the complete transactions in order, the event offsets of the last file,
     * and the offset of the event it could not read because the last file ends inside it (-1 when none).
     */
    private record Reading(List<Span> complete, List<Long> eventStarts, long tornAt) {
        GtidSet gtids() {
            GtidSet.Builder b = GtidSet.builder();
            complete.forEach(s -> b.add(s.gtid()));
            return b.build();
        }
    }

    private static final java.util.regex.Pattern TORN = java.util.regex.Pattern.compile("Could not read entry at offset (\\d+)");

    /**
     * Reads relay files one by one with mysqlbinlog, minimal parsing of its text (the tests module's BinlogOracle
     * reads member data directories and more than this needs); only the last file may end inside an event. A
     * transaction is complete when its GTID is followed by its commit: an Xid (a DML commit's Xid event, or the one an
     * atomic DDL's query event carries), a COMMIT, or an XA PREPARE, XA COMMIT or XA ROLLBACK statement. An event ends
     * where the next one's "# at" starts, or where the file (or its readable part) ends; end_log_pos would be the
     * source's binlog position, not the relay's.
     */
    private static Reading read(List<Path> relayFiles) throws Exception {
        List<Span> complete = new ArrayList<>();
        List<Long> eventStarts = new ArrayList<>();
        long tornAt = -1;
        Gtid open = null;
        long openStart = -1;
        for (int i = 0; i < relayFiles.size(); i++) {
            Path f = relayFiles.get(i);
            String name = f.getFileName().toString();
            Process p = new ProcessBuilder(MysqlDistribution.obtain().mysqlbinlog().toString(), "--base64-output=decode-rows",
                    f.toString()).start();
            java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            List<String> lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            int rc = p.waitFor();
            String stderr = err.get();
            long readable = Files.size(f);
            if (rc != 0) {
                java.util.regex.Matcher m = TORN.matcher(stderr);
                assertTrue(i == relayFiles.size() - 1 && m.find() && stderr.contains("truncated in the middle of event"),
                        "mysqlbinlog " + f + " exited " + rc + ": " + stderr);
                readable = tornAt = Long.parseLong(m.group(1));
            }
            eventStarts.clear();
            openStart = -1; // a transaction still open began in the previous file
            long at = -1;
            Gtid closing = null;
            long closingStart = -1;
            for (String line : lines) {
                if (line.startsWith("# at ")) {
                    at = Long.parseLong(line.substring(5).trim());
                    eventStarts.add(at);
                    if (closing != null) {
                        complete.add(new Span(name, closing, closingStart, at));
                        closing = null;
                    }
                } else if (line.startsWith("SET @@SESSION.GTID_NEXT= '") && !line.contains("AUTOMATIC")) {
                    open = Gtid.parse(line.substring(line.indexOf('\'') + 1, line.lastIndexOf('\'')));
                    openStart = at;
                } else if (open != null && (line.startsWith("COMMIT/*!*/;") || line.contains("\tXid = ")
                        || line.startsWith("XA PREPARE ") || line.startsWith("XA COMMIT ") || line.startsWith("XA ROLLBACK "))) {
                    closing = open;
                    closingStart = openStart;
                    open = null;
                }
            }
            if (closing != null) {
                complete.add(new Span(name, closing, closingStart, readable));
            }
        }
        return new Reading(complete, List.copyOf(eventStarts), tornAt);
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
