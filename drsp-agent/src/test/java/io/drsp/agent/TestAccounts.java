package io.drsp.agent;

import io.drsp.core.config.PasswordRef;
import io.drsp.core.config.UserRef;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A test's MySQL accounts as drsp.conf names them: the password in a file only its owner may read. */
public final class TestAccounts {
    private TestAccounts() {
    }

    /** The account {@code key} ("admin", "replication") of {@code user}, its password written afresh to {@code file}. */
    public static UserRef withPasswordFile(String key, String user, String password, Path file) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, password);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new UserRef(key, user, new PasswordRef.FromFile(file));
    }
}
