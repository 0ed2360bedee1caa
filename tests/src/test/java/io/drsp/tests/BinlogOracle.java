package io.drsp.tests;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import io.drsp.sandbox.Sandbox;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The oracle for timing and recovery tests, independent of drsp's relay index: every transaction in a member's binary
 * log with its commit timestamps, read by MySQL's own mysqlbinlog. On a replica the binlog records both the
 * production commit time (original) and the moment the replica itself committed it (immediate).
 */
final class BinlogOracle {
    private static final Pattern TIMESTAMPS =
            Pattern.compile("original_committed_timestamp=(\\d+)(?:\\s+immediate_commit_timestamp=(\\d+))?");
    private static final Pattern GTID_NEXT = Pattern.compile("SET @@SESSION.GTID_NEXT= '([0-9a-f-]+:\\d+)'");
    private static final Pattern ROW_TABLE = Pattern.compile("^### (?:INSERT INTO|UPDATE|DELETE FROM) `([^`]+)`\\.`([^`]+)`");
    private static final Pattern FIRST_COLUMN = Pattern.compile("^###\\s+@1=(-?\\d+)");
    private static final Pattern XA_STATEMENT =
            Pattern.compile("^XA (PREPARE|COMMIT|ROLLBACK) (X'[0-9a-fA-F]*',X'[0-9a-fA-F]*',\\d+)( ONE PHASE)?");
    private static final Pattern EVENT_AT = Pattern.compile("^# at (\\d+)$");
    private static final Pattern EVENT_HEADER =
            Pattern.compile("^#\\d{6}\\s+\\d{1,2}:\\d{2}:\\d{2}\\s+server id\\s+\\d+\\s+end_log_pos\\s+\\d+(?:\\s+CRC32 0x[0-9a-f]+)?\\s+(.+)$");
    private static final Pattern TRANSACTION_LENGTH = Pattern.compile("transaction_length=(\\d+)");
    /** Events a relay log holds between transactions, never inside one's own bytes. */
    private static final List<String> FRAMING_EVENTS = List.of("Start:", "Previous-GTIDs", "Rotate", "Stop", "Heartbeat");

    /**
     * One transaction: its commit times (µs), the first-column values of the rows it wrote per table (numeric first
     * columns only), every table it wrote rows in ({@code schema.table}), and how many rows it wrote per table (an
     * UPDATE's before and after image count as one row, as mysqlbinlog prints one {@code ### UPDATE} for them).
     */
    record Transaction(Gtid gtid, long originalCommitMicros, long immediateCommitMicros, Map<String, List<Long>> firstColumns,
                       Set<String> tables, String[] xa, Map<String, Long> rows) {
        /** {@code PREPARE}, {@code COMMIT}, {@code ROLLBACK} or {@code ONE_PHASE} when an XA statement; else null. */
        String xaPhase() {
            return xa[0];
        }

        /** The XID as mysqlbinlog prints it ({@code X'..',X'..',n}) when an XA statement; else null. */
        String xid() {
            return xa[1];
        }
    }

    private BinlogOracle() {
    }

    /** GTID to original commit time (µs), in binlog order. */
    static Map<Gtid, Long> commitTimes(Sandbox.Member member) throws Exception {
        Map<Gtid, Long> times = new LinkedHashMap<>();
        for (Transaction t : transactions(member)) {
            times.put(t.gtid(), t.originalCommitMicros());
        }
        return times;
    }

    /** Every transaction of the member's binary log files, in binlog order. */
    static List<Transaction> transactions(Sandbox.Member member) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(MysqlDistribution.obtain().mysqlbinlog().toString(),
                "--base64-output=decode-rows", "--verbose"));
        try (Stream<Path> files = Files.list(member.instance().dataDir())) {
            files.map(Path::toString).filter(f -> f.matches(".*/binlog\\.\\d+$")).sorted().forEach(cmd::add);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<Transaction> transactions = new ArrayList<>();
        long[] pending = null;
        Transaction current = null;
        String table = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher ts = TIMESTAMPS.matcher(line);
                if (ts.find()) {
                    long original = Long.parseLong(ts.group(1));
                    pending = new long[] {original, ts.group(2) == null ? original : Long.parseLong(ts.group(2))};
                    continue;
                }
                Matcher g = GTID_NEXT.matcher(line);
                if (g.find() && pending != null) {
                    current = new Transaction(Gtid.parse(g.group(1)), pending[0], pending[1], new LinkedHashMap<>(), new TreeSet<>(),
                            new String[2], new java.util.TreeMap<>());
                    transactions.add(current);
                    pending = null;
                    continue;
                }
                Matcher xa = XA_STATEMENT.matcher(line);
                if (xa.find() && current != null) {
                    current.xa()[0] = xa.group(3) != null ? "ONE_PHASE" : xa.group(1);
                    current.xa()[1] = xa.group(2).toLowerCase(java.util.Locale.ROOT).replace("x'", "X'");
                    continue;
                }
                Matcher row = ROW_TABLE.matcher(line);
                if (row.find()) {
                    table = row.group(1) + "." + row.group(2);
                    if (current != null) {
                        current.tables().add(table);
                        current.rows().merge(table, 1L, Long::sum);
                    }
                    continue;
                }
                Matcher col = FIRST_COLUMN.matcher(line);
                if (col.find() && current != null && table != null) {
                    current.firstColumns().computeIfAbsent(table, k -> new ArrayList<>()).add(Long.parseLong(col.group(1)));
                    table = null; // only the first @1 after a row header (the WHERE image for updates)
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("mysqlbinlog failed for " + member.name());
        }
        return transactions;
    }

    /**
     * The relay bytes of every complete transaction in a DR member's relay log files (those its relay index lists):
     * the lengths of the transaction's own events, GTID event to commit, from the event offsets mysqlbinlog prints
     * ({@code # at N}; the last event of a file ends at the file's size). A transaction counts as complete when
     * those lengths add up to the {@code transaction_length} its GTID event declares; a partial copy the receiver
     * left at the end of a file before fetching the transaction again is skipped. Read the files only while the
     * receiver is stopped.
     */
    static Map<Gtid, Long> relayTransactionBytes(Sandbox.Member member) throws Exception {
        Path dataDir = member.instance().dataDir();
        Map<Gtid, Long> bytes = new LinkedHashMap<>();
        for (String listed : Files.readAllLines(dataDir.resolve("relay.index"))) {
            if (listed.isBlank()) {
                continue;
            }
            Path file = dataDir.resolve(listed.strip()).normalize();
            List<Long> offsets = new ArrayList<>();
            List<String> types = new ArrayList<>();
            List<String> gtids = new ArrayList<>();
            Process p = new ProcessBuilder(MysqlDistribution.obtain().mysqlbinlog().toString(), "--base64-output=decode-rows",
                    file.toString()).redirectErrorStream(true).start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                String line;
                boolean headerNext = false;
                while ((line = r.readLine()) != null) {
                    Matcher at = EVENT_AT.matcher(line);
                    if (at.matches()) {
                        offsets.add(Long.parseLong(at.group(1)));
                        types.add(null);
                        gtids.add(null);
                        headerNext = true;
                        continue;
                    }
                    if (headerNext) {
                        Matcher h = EVENT_HEADER.matcher(line);
                        if (!h.matches()) {
                            throw new IllegalStateException("unexpected event header in " + file + ": " + line);
                        }
                        types.set(types.size() - 1, h.group(1));
                        headerNext = false;
                        continue;
                    }
                    Matcher g = GTID_NEXT.matcher(line);
                    if (g.find() && !gtids.isEmpty()) {
                        gtids.set(gtids.size() - 1, g.group(1));
                    }
                }
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("mysqlbinlog failed on " + file);
            }
            long size = Files.size(file);
            String gtid = null;
            long declared = 0;
            long sum = 0;
            for (int i = 0; i <= offsets.size(); i++) {
                String type = i < offsets.size() ? types.get(i) : "Stop"; // the end of the file ends a transaction too
                boolean framing = FRAMING_EVENTS.stream().anyMatch(type::startsWith);
                if ((framing || type.startsWith("GTID")) && gtid != null) {
                    if (sum == declared) {
                        bytes.put(Gtid.parse(gtid), sum);
                    }
                    gtid = null;
                }
                if (i == offsets.size()) {
                    break;
                }
                long length = (i + 1 < offsets.size() ? offsets.get(i + 1) : size) - offsets.get(i);
                if (type.startsWith("GTID")) {
                    Matcher len = TRANSACTION_LENGTH.matcher(type);
                    if (!len.find() || gtids.get(i) == null) {
                        throw new IllegalStateException("GTID event without transaction_length or GTID in " + file + ": " + type);
                    }
                    gtid = gtids.get(i);
                    declared = Long.parseLong(len.group(1));
                    sum = length;
                } else if (!framing && gtid != null) {
                    sum += length;
                }
            }
        }
        return bytes;
    }

    /** The transactions committed at or before {@code micros}: what a recovery to that time must leave on DR. */
    static GtidSet committedAtOrBefore(Map<Gtid, Long> times, long micros) {
        GtidSet set = GtidSet.empty();
        for (var e : times.entrySet()) {
            if (e.getValue() <= micros) {
                set = set.add(e.getKey());
            }
        }
        return set;
    }
}
