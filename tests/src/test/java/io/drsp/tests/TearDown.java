package io.drsp.tests;

import io.drsp.sandbox.Sandbox;

/** The end of every scenario class: what it started goes away in the order given, even if one part fails to stop. */
final class TearDown {
    private TearDown() {
    }

    /**
     * Stops each non-null part: a child process is killed (a controller in its own JVM), a sandbox taken down once
     * every log so far has been searched for its secrets ({@link SecretScan}), anything else closed. The first failure is thrown once every part has been tried, so a sandbox is never left running
     * because a workload failed to close.
     */
    static void all(Object... parts) throws Exception {
        Exception first = null;
        for (Object part : parts) {
            try {
                if (part instanceof Process p) {
                    p.destroy();
                } else if (part instanceof Sandbox s) {
                    try {
                        SecretScan.check(s); // while the sandbox's secrets still exist
                    } finally {
                        s.down(false);
                    }
                } else if (part instanceof AutoCloseable c) {
                    c.close();
                } else if (part != null) {
                    throw new IllegalArgumentException("cannot tear down a " + part.getClass().getName());
                }
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
