package io.drsp.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PasswordRefTest {

    @TempDir
    Path dir;

    @Test
    void fileSecretIsReadOnResolveWithoutItsTrailingNewline() throws IOException {
        Path file = dir.resolve("repl");
        PasswordRef ref = new PasswordRef.FromFile(file);
        DrspConfigTest.writeSecret(file, "pa ss:word\n", "rw-------");
        assertEquals("pa ss:word", ref.resolve());
        Files.writeString(file, "changed\r\n");
        assertEquals("changed", ref.resolve());
        assertFalse(ref.toString().contains("changed"), ref.toString());
    }

    @Test
    void fileSecretOpenToOthersIsRefusedOnResolve() throws IOException {
        Path file = dir.resolve("repl");
        DrspConfigTest.writeSecret(file, "x", "rw-r-----");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new PasswordRef.FromFile(file).resolve());
        assertEquals("password file " + file + " has mode rw-r----- and is open to group or others, expected mode 0600 (chmod 600 "
                + file + ")", e.getMessage());
    }

    @Test
    void missingOrEmptyFileIsRefused() throws IOException {
        Path file = dir.resolve("repl");
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> new PasswordRef.FromFile(file).resolve());
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        DrspConfigTest.writeSecret(file, "\n", "r--------");
        IllegalStateException empty = assertThrows(IllegalStateException.class, () -> new PasswordRef.FromFile(file).resolve());
        assertEquals("password file " + file + " is empty, expected the password", empty.getMessage());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void environmentSecretIsReadOnResolve() {
        // PATH is set in every test JVM; it stands in for a password variable we cannot set from Java.
        assertEquals(System.getenv("PATH"), new PasswordRef.FromEnv("PATH").resolve());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new PasswordRef.FromEnv("DRSP_TEST_VARIABLE_THAT_IS_NOT_SET").resolve());
        assertEquals("environment variable DRSP_TEST_VARIABLE_THAT_IS_NOT_SET is not set or empty, "
                + "expected it to hold the password when drsp starts", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PasswordRef.FromEnv("NOT A NAME"));
    }
}
