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

    /** One transaction: its commit times (µs) and the first-column values of the rows it wrote, per table. */
    record Transaction(Gtid gtid, long originalCommitMicros, long immediateCommitMicros, Map<String, List<Long>> firstColumns) {
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
                    current = new Transaction(Gtid.parse(g.group(1)), pending[0], pending[1], new LinkedHashMap<>());
                    transactions.add(current);
                    pending = null;
                    continue;
                }
                Matcher row = ROW_TABLE.matcher(line);
                if (row.find()) {
                    table = row.group(1) + "." + row.group(2);
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
