package io.drsp.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** A recovery's dry run says per shard what it replays, and why an estimate is missing rather than guessing one. */
class PlanTableTest {

    @Test
    void aShardWithoutAMeasuredRateShowsAQuestionMarkAndWhy() throws Exception {
        String plan = """
                {"shards": [{"shard": "s1", "transactionsToReplay": 1200, "bytesToReplay": 880000, "estimatedSeconds": 12.4,
                             "targetGtids": "u:1-1500"},
                            {"shard": "s2", "transactionsToReplay": 900, "bytesToReplay": 640000, "estimatedSeconds": null,
                             "targetGtids": "v:1-1100"}], "clusterTimeMicros": null}""";
        String table = RecoveryCommands.planTable(new ObjectMapper().readTree(plan), ZoneId.of("UTC"));
        assertTrue(table.contains("s1             1200         880000       12 s  u:1-1500"), table);
        assertTrue(table.contains("s2              900         640000          ?  v:1-1100"), table);
        assertTrue(table.contains("est. ?: no recovery of this cluster has measured an apply rate yet"), table);
    }

    @Test
    void noFootnoteWhenEveryEstimateIsKnown() throws Exception {
        String plan = """
                {"shards": [{"shard": "s1", "transactionsToReplay": 10, "bytesToReplay": 8000, "estimatedSeconds": 1.0,
                             "targetGtids": "u:1-10"}], "clusterTimeMicros": null}""";
        assertFalse(RecoveryCommands.planTable(new ObjectMapper().readTree(plan), ZoneId.of("UTC")).contains("est. ?"));
    }
}
