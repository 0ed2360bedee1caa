package io.drsp.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** The status table shows what the JSON holds for each link: GTID sets, applier state, errors. */
class StatusTableTest {

    @Test
    void showsEachLinksGtidSetsApplierStateAndErrors() throws Exception {
        String uuid = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
        JsonNode status = new ObjectMapper().readTree("""
                {"cluster": "1", "productionMode": "PRIMARY", "drMode": "SYNC", "delaySeconds": 5,
                 "shards": [{"shard": "s1", "lagSeconds": 0.4, "backlogTransactions": 12, "backlogBytes": 4096,
                   "production": {"reachable": true},
                   "dr": {"reachable": true, "superReadOnly": true, "appliedSourceTimeMicros": 1700000000000000,
                     "link": {"ioRunning": "Yes", "sqlRunning": "No", "remainingDelaySeconds": null,
                       "retrievedGtids": "%1$s:1-112,\\n%2$s:1-3", "executedGtids": "%1$s:1-100",
                       "sqlState": "", "sqlError": "1062: Duplicate entry '7' for key 'accounts.PRIMARY'"}}}]}
                """.formatted(uuid, uuid.replace('3', '4')));
        String table = StatusTable.render(status, ZoneId.of("UTC"));
        assertTrue(table.contains("  s1     retrieved " + uuid + ":1-112," + uuid.replace('3', '4') + ":1-3\n"), table);
        assertTrue(table.contains("         executed  " + uuid + ":1-100\n"), table);
        assertTrue(table.contains("dr shard s1 applier: 1062: Duplicate entry '7' for key 'accounts.PRIMARY'"), table);
        assertTrue(table.contains("4096"), table);
    }

    @Test
    void aProgressWhoseTotalIsNotCountedYetSaysSoRatherThanZeroOfZero() throws Exception {
        JsonNode status = new ObjectMapper().readTree("""
                {"progress": {"s1": {"activity": "archiving", "unit": "rows", "done": 0, "total": 0, "ratePerSecond": 0,
                                     "etaSeconds": 0},
                              "s2": {"activity": "archiving", "unit": "rows", "done": 500, "total": 21000, "ratePerSecond": 176,
                                     "etaSeconds": 116}}}""");
        java.util.List<String> lines = StatusTable.progressLines(status);
        assertTrue(lines.contains("archiving s1: counting rows"), lines.toString());
        assertTrue(lines.contains("archiving s2: 500/21000 rows, 176 rows/s, ETA 116 s"), lines.toString());
    }
}
