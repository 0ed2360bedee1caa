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
 * The oracle for recovery tests, independent of drsp's relay index: every transaction of a production shard with its
 * original commit time, read by MySQL's own mysqlbinlog from the shard's binary log files.
 */
final class ProductionBinlog {
    private static final Pattern COMMIT_TS = Pattern.compile("original_committed_timestamp=(\\d+)");
    private static final Pattern GTID_NEXT = Pattern.compile("SET @@SESSION.GTID_NEXT= '([0-9a-f-]+:\\d+)'");

    private ProductionBinlog() {
    }

    /** GTID to original commit time (µs), in binlog order. */
    static Map<Gtid, Long> commitTimes(Sandbox.Member production) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(MysqlDistribution.obtain().mysqlbinlog().toString(), "--base64-output=decode-rows"));
        try (Stream<Path> files = Files.list(production.instance().dataDir())) {
            files.map(Path::toString).filter(f -> f.matches(".*/binlog\\.\\d+$")).sorted().forEach(cmd::add);
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Map<Gtid, Long> times = new LinkedHashMap<>();
        Long pending = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
            String line;
            while ((line = r.readLine()) != null) {
                Matcher ts = COMMIT_TS.matcher(line);
                if (ts.find()) {
                    pending = Long.parseLong(ts.group(1));
                    continue;
                }
                Matcher g = GTID_NEXT.matcher(line);
                if (g.find() && pending != null) {
                    times.put(Gtid.parse(g.group(1)), pending);
                    pending = null;
                }
            }
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("mysqlbinlog failed for " + production.name());
        }
        return times;
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
