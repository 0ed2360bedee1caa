package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mysqld loads the soname libaio.so.1 and nothing else; the refusal says exactly what to run when it is missing. */
class LibaioTest {
    @TempDir
    Path root;

    @Test
    void libaioSo1IsEnough() throws IOException {
        Path lib = Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(lib.resolve("libaio.so.1.0.2"), "elf");
        Files.createSymbolicLink(lib.resolve("libaio.so.1"), lib.resolve("libaio.so.1.0.2"));
        assertEquals(Optional.empty(), MysqlDistribution.libaioProblem(List.of(root.resolve("lib"), lib)));
    }

    @Test
    void theT64VariantAloneIsRefusedWithTheLinkToMake() throws IOException {
        Path lib = Files.createDirectories(root.resolve("usr/lib"));
        Files.writeString(lib.resolve("libaio.so.1t64"), "elf");
        assertEquals(Optional.of("MySQL needs libaio.so.1 but this machine has only " + lib.resolve("libaio.so.1t64")
                        + ": run 'ln -s " + lib.resolve("libaio.so.1t64") + " " + lib.resolve("libaio.so.1")
                        + "' as root (scripts/setup.sh does it)."),
                MysqlDistribution.libaioProblem(List.of(root.resolve("lib"), lib)));
    }

    @Test
    void aDanglingLinkCountsAsMissing() throws IOException {
        Path lib = Files.createDirectories(root.resolve("usr/lib"));
        Files.createSymbolicLink(lib.resolve("libaio.so.1"), lib.resolve("libaio.so.1.0.2"));
        String problem = MysqlDistribution.libaioProblem(List.of(lib)).orElseThrow();
        assertEquals("MySQL needs libaio.so.1, which this machine lacks: run 'apt-get update && apt-get install -y libaio1'"
                + " as root, or on Debian 13 'apt-get update && apt-get install -y libaio1t64 && ln -s"
                + " /usr/lib/x86_64-linux-gnu/libaio.so.1t64 /usr/lib/x86_64-linux-gnu/libaio.so.1' (scripts/setup.sh does it).",
                problem);
    }
}
