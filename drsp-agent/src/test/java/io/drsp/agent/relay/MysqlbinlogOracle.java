package io.drsp.agent.relay;

import io.drsp.core.gtid.Gtid;
import io.drsp.core.gtid.GtidSet;
import io.drsp.sandbox.MysqlDistribution;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The expected answers, computed without drsp's index: MySQL's own {@code mysqlbinlog} decodes the SOURCE's binlog
 * files, and each GTID gets the {@code original_committed_timestamp} printed in the comment line above it.
 */
final class MysqlbinlogOracle {

    private static final Pattern TIMESTAMP = Pattern.compile("original_committed_timestamp=(\\d+)");
    private static final Pattern GTID_NEXT = Pattern.compile("SET @@SESSION.GTID_NEXT= '([^']+)'");

    /** GTID to original commit µs, in binlog order. */
    final Map<Gtid, Long> commitMicros;

    private MysqlbinlogOracle(Map<Gtid, Long> commitMicros) {
        this.commitMicros = commitMicros;
    }

    static MysqlbinlogOracle ofBinlogs(Path binlogIndexFile) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(MysqlDistribution.obtain().mysqlbinlog().toString(),
                "--base64-output=decode-rows", "-vv"));
        for (Path p : RelayLogIndexFile.read(binlogIndexFile)) {
            cmd.add(p.toString());
        }
        Process proc = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<Gtid, Long> map = new LinkedHashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
            Long pending = null;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.startsWith("#") && line.contains("original_committed_timestamp=")) {
                    Matcher m = TIMESTAMP.matcher(line);
                    pending = m.find() ? Long.parseLong(m.group(1)) : null;
                } else if (line.startsWith("SET @@SESSION.GTID_NEXT=")) {
                    Matcher m = GTID_NEXT.matcher(line);
                    if (m.find() && !m.group(1).equals("AUTOMATIC")) {
                        if (pending == null) {
                            throw new IllegalStateException("mysqlbinlog printed GTID " + m.group(1) + " without a timestamp line");
                        }
                        map.put(Gtid.parse(m.group(1)), pending);
                        pending = null;
                    }
                }
            }
        }
        if (proc.waitFor() != 0) {
            throw new IllegalStateException("mysqlbinlog exited with " + proc.exitValue());
        }
        return new MysqlbinlogOracle(map);
    }

    GtidSet all() {
        GtidSet.Builder b = GtidSet.builder();
        commitMicros.keySet().forEach(b::add);
        return b.build();
    }

    GtidSet committedAtOrBefore(long micros) {
        GtidSet.Builder b = GtidSet.builder();
        commitMicros.forEach((g, t) -> {
            if (t <= micros) {
                b.add(g);
            }
        });
        return b.build();
    }

    static Path binlogIndex(io.drsp.sandbox.MysqlInstance db) {
        String index = ReplicationPair.query(db, "SELECT @@log_bin_index");
        Path p = Path.of(index);
        return p.isAbsolute() ? p : Path.of(ReplicationPair.query(db, "SELECT @@datadir")).resolve(p);
    }
}
