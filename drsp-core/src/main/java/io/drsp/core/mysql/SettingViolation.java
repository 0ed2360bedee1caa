package io.drsp.core.mysql;

import java.util.Objects;

/**
 * A server variable drsp needs set differently.
 *
 * @param actual the server's value, or {@code null} if the server does not have the variable at all
 */
public record SettingViolation(String name, String expected, String actual) {

    public SettingViolation {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(expected, "expected");
    }

    /** One sentence for a refusal, such as {@code binlog_row_metadata is MINIMAL, drsp needs FULL}. */
    public String describe() {
        String is = actual == null ? "is not a variable of this server (MySQL 8.0.26 or later has it)"
                : actual.isEmpty() ? "is empty" : "is " + actual;
        String needs = expected.isEmpty() ? "it empty ('')" : expected;
        return name + " " + is + ", drsp needs " + needs;
    }
}
