package io.drsp.core.mysql;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The server settings drsp relies on, and the check of a server's variables against them.
 * Pure, so the rules are tested without a server.
 */
public final class RequiredSettings {

    /**
     * Every shard: GTIDs for auto-positioned links and UNTIL SQL_AFTER_GTIDS; full row images with
     * metadata because flashback rebuilds reverse row changes from the binlog alone; no partial JSON
     * updates for the same reason.
     */
    private static final Map<String, String> EVERY_SHARD = ordered(
            "gtid_mode", "ON",
            "enforce_gtid_consistency", "ON",
            "log_bin", "ON",
            "binlog_format", "ROW",
            "binlog_row_image", "FULL",
            "binlog_row_metadata", "FULL",
            "binlog_row_value_options", "");

    /** DR shards must log what they apply: their local replicas and a later switchback read it. */
    private static final Map<String, String> DR_SHARD_ONLY = ordered("log_replica_updates", "ON");

    private RequiredSettings() {
    }

    /** Variable name to the value drsp needs, in the order violations are reported. */
    public static Map<String, String> required(Role role) {
        Map<String, String> required = new LinkedHashMap<>(EVERY_SHARD);
        if (role == Role.DR_SHARD) {
            required.putAll(DR_SHARD_ONLY);
        }
        return Collections.unmodifiableMap(required);
    }

    public static Set<String> names(Role role) {
        return required(role).keySet();
    }

    /**
     * Every required setting that {@code variables} (name to value, as {@code SHOW GLOBAL VARIABLES}
     * returns them) does not satisfy; empty when the server is fit for the role. Values compare
     * case-insensitively, as MySQL treats these enumerations.
     */
    public static List<SettingViolation> check(Role role, Map<String, String> variables) {
        List<SettingViolation> violations = new ArrayList<>();
        required(role).forEach((name, expected) -> {
            String actual = variables.get(name);
            if (actual == null || !actual.strip().toUpperCase(Locale.ROOT).equals(expected)) {
                violations.add(new SettingViolation(name, expected, actual));
            }
        });
        return List.copyOf(violations);
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
