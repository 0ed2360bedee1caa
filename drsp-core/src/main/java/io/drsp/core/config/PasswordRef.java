package io.drsp.core.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Where a MySQL password lives. Configuration never holds a secret, only where to find it, so a
 * config value, a log line or a {@code toString()} can never leak one; {@link #resolve()} reads it
 * at the moment a connection needs it.
 */
public sealed interface PasswordRef {

    /**
     * Reads the secret now, each time it is called, so a rotated password is picked up by the next connection.
     *
     * @throws IllegalStateException saying where the secret was looked for and what to fix
     */
    String resolve();

    /** The password is the value of an environment variable of the drsp process. */
    record FromEnv(String variable) implements PasswordRef {
        private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

        public FromEnv {
            Objects.requireNonNull(variable, "variable");
            if (!NAME.matcher(variable).matches()) {
                throw new IllegalArgumentException("\"" + variable + "\" is not an environment variable name, expected letters, digits and _");
            }
        }

        @Override
        public String resolve() {
            String secret = System.getenv(variable);
            if (secret == null || secret.isEmpty()) {
                throw new IllegalStateException("environment variable " + variable
                        + " is not set or empty, expected it to hold the password when drsp starts");
            }
            return secret;
        }
    }

    /** The password is the content of a file readable by its owner only (a trailing newline is ignored). */
    record FromFile(Path path) implements PasswordRef {
        private static final Set<PosixFilePermission> GROUP_OR_OTHERS = EnumSet.of(
                PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

        public FromFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String resolve() {
            unusable().ifPresent(problem -> {
                throw new IllegalStateException("password file " + problem);
            });
            String secret;
            try {
                secret = Files.readString(path);
            } catch (IOException e) {
                throw new IllegalStateException("password file " + path + " cannot be read (" + e.getMessage()
                        + "), expected a file readable by the drsp user", e);
            }
            // `echo secret > file` leaves a newline that is not part of the password.
            secret = secret.endsWith("\r\n") ? secret.substring(0, secret.length() - 2)
                    : secret.endsWith("\n") ? secret.substring(0, secret.length() - 1) : secret;
            if (secret.isEmpty()) {
                throw new IllegalStateException("password file " + path + " is empty, expected the password");
            }
            return secret;
        }

        /**
         * Why the file cannot hold a password, if it cannot: missing, not a regular file, or open to group
         * or others. A password other users can read is refused even if it works, as MySQL's own
         * option files would warn.
         */
        public Optional<String> unusable() {
            if (!Files.isRegularFile(path)) {
                return Optional.of(path + " does not exist or is not a regular file, expected a file holding the password");
            }
            try {
                Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(path);
                Set<PosixFilePermission> open = EnumSet.copyOf(GROUP_OR_OTHERS);
                open.retainAll(permissions);
                if (!open.isEmpty()) {
                    return Optional.of(path + " has mode " + PosixFilePermissions.toString(permissions)
                            + " and is open to group or others, expected mode 0600 (chmod 600 " + path + ")");
                }
                return Optional.empty();
            } catch (IOException | UnsupportedOperationException e) {
                return Optional.of(path + " has permissions drsp cannot check (" + e.getMessage()
                        + "), expected a POSIX file with mode 0600 (chmod 600 " + path + ")");
            }
        }
    }
}
