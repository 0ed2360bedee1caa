package io.drsp.sandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A test's own sandbox directory as a killed earlier run may have left it, servers still running: 'up' refuses such a
 * directory (someone may be using it), so a test clears its own first, as an operator would run 'sandbox down'.
 */
final class Leftovers {
    private Leftovers() {
    }

    static void clear(Path dir) {
        if (Files.exists(dir.resolve(Sandbox.STATE_FILE))) {
            try {
                Sandbox.open(dir).down(false);
                return;
            } catch (RuntimeException e) {
                // a state file the run died before completing: fall through to the pid files
            }
        }
        StaleInstances.reap(dir);
        try {
            SandboxFiles.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
