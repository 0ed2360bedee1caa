package io.drsp.core.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequiredSettingsTest {

    /** What a correctly set up MySQL 8.0 DR shard returns from SHOW GLOBAL VARIABLES. */
    private static Map<String, String> fitDrShard() {
        Map<String, String> variables = new HashMap<>();
        variables.put("gtid_mode", "ON");
        variables.put("enforce_gtid_consistency", "ON");
        variables.put("log_bin", "ON");
        variables.put("binlog_format", "ROW");
        variables.put("binlog_row_image", "FULL");
        variables.put("binlog_row_metadata", "FULL");
        variables.put("binlog_row_value_options", "");
        variables.put("log_replica_updates", "ON");
        return variables;
    }

    @Test
    void aFitServerHasNoViolations() {
        assertEquals(List.of(), RequiredSettings.check(Role.DR_SHARD, fitDrShard()));
        Map<String, String> production = fitDrShard();
        production.remove("log_replica_updates");
        assertEquals(List.of(), RequiredSettings.check(Role.PRODUCTION_SHARD, production));
    }

    @Test
    void mysqlDefaultsThatDrspCannotWorkWithAreAllReported() {
        Map<String, String> variables = fitDrShard();
        variables.put("binlog_row_metadata", "MINIMAL");
        variables.put("gtid_mode", "OFF_PERMISSIVE");
        variables.put("binlog_row_value_options", "PARTIAL_JSON");
        variables.put("log_replica_updates", "OFF");
        assertEquals(List.of(
                new SettingViolation("gtid_mode", "ON", "OFF_PERMISSIVE"),
                new SettingViolation("binlog_row_metadata", "FULL", "MINIMAL"),
                new SettingViolation("binlog_row_value_options", "", "PARTIAL_JSON"),
                new SettingViolation("log_replica_updates", "ON", "OFF")),
                RequiredSettings.check(Role.DR_SHARD, variables));
        assertEquals(3, RequiredSettings.check(Role.PRODUCTION_SHARD, variables).size());
    }

    @Test
    void valuesCompareWithoutCase() {
        Map<String, String> variables = fitDrShard();
        variables.put("binlog_format", "row");
        variables.put("gtid_mode", "on");
        assertEquals(List.of(), RequiredSettings.check(Role.DR_SHARD, variables));
    }

    @Test
    void aVariableTheServerLacksIsAViolation() {
        Map<String, String> variables = fitDrShard();
        variables.remove("log_replica_updates");
        List<SettingViolation> violations = RequiredSettings.check(Role.DR_SHARD, variables);
        assertEquals(List.of(new SettingViolation("log_replica_updates", "ON", null)), violations);
        assertEquals("log_replica_updates is not a variable of this server (MySQL 8.0.26 or later has it), drsp needs ON",
                violations.get(0).describe());
    }

    @Test
    void violationsDescribeThemselvesInOneSentence() {
        assertEquals("binlog_row_metadata is MINIMAL, drsp needs FULL",
                new SettingViolation("binlog_row_metadata", "FULL", "MINIMAL").describe());
        assertEquals("binlog_row_value_options is PARTIAL_JSON, drsp needs it empty ('')",
                new SettingViolation("binlog_row_value_options", "", "PARTIAL_JSON").describe());
        assertEquals("log_bin is OFF, drsp needs ON", new SettingViolation("log_bin", "ON", "OFF").describe());
    }

    @Test
    void drShardsNeedEverythingProductionNeedsAndLogReplicaUpdates() {
        assertEquals(List.of("gtid_mode", "enforce_gtid_consistency", "log_bin", "binlog_format", "binlog_row_image",
                "binlog_row_metadata", "binlog_row_value_options"), List.copyOf(RequiredSettings.names(Role.PRODUCTION_SHARD)));
        assertEquals("log_replica_updates", List.copyOf(RequiredSettings.names(Role.DR_SHARD)).get(7));
        assertEquals(8, RequiredSettings.names(Role.DR_SHARD).size());
    }
}
