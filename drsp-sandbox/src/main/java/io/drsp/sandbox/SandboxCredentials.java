package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.SQLException;
import java.util.HexFormat;

/**
 * The accounts every sandbox instance is born with: an administrator for drsp and the workload, and a replication
 * user for links and local replicas. Passwords are random per machine and live only in owner-only files.
 */
public record SandboxCredentials(String adminUser, String adminPassword, String replicationUser, String replicationPassword) {
    public static final String ADMIN = "drsp_admin";
    public static final String REPLICATION = "drsp_repl";

    static SandboxCredentials loadOrCreate(Path dir) {
        Path admin = dir.resolve("admin.secret");
        Path repl = dir.resolve("repl.secret");
        try {
            if (!Files.exists(admin) || !Files.exists(repl)) {
                SandboxFiles.writeSecret(admin, randomPassword());
                SandboxFiles.writeSecret(repl, randomPassword());
            }
            return new SandboxCredentials(ADMIN, Files.readString(admin).trim(), REPLICATION, Files.readString(repl).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code text} with both passwords replaced by {@code ****}: MySQL quotes the statement near a syntax error, and a
     * statement that sets up replication carries a password.
     */
    public String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : new String[] {adminPassword, replicationPassword}) {
            if (secret != null && !secret.isEmpty()) {
                masked = masked.replace(secret, "****");
            }
        }
        return masked;
    }

    /** A copy of {@code e} (state, code, stack) whose message is {@link #mask(String) masked}, to keep as a cause. */
    public SQLException mask(SQLException e) {
        SQLException copy = new SQLException(mask(e.getMessage()), e.getSQLState(), e.getErrorCode());
        copy.setStackTrace(e.getStackTrace());
        return copy;
    }

    private static String randomPassword() {
        byte[] b = new byte[12];
        new SecureRandom().nextBytes(b);
        return "Dr" + HexFormat.of().formatHex(b);
    }

    @Override
    public String toString() {
        return "SandboxCredentials[adminUser=" + adminUser + ", replicationUser=" + replicationUser + "]";
    }
}
