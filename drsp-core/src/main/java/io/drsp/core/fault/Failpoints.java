package io.drsp.core.fault;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Named places where a test may make the process die on purpose, as {@code kill -9} would, to prove that a
 * persisted runbook resumes from any step. Off unless {@code DRSP_FAILPOINTS} (or {@code -Ddrsp.failpoints})
 * names them, comma-separated, e.g. {@code crash-after:ShardLinkConfigured:s1}.
 */
public final class Failpoints {
    private static final Set<String> ARMED = Arrays.stream(
                    System.getProperty("drsp.failpoints", System.getenv().getOrDefault("DRSP_FAILPOINTS", "")).split(","))
            .map(String::trim).filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());

    private Failpoints() {
    }

    /** Whether {@code fail:<what>} is armed: the step so named fails as if its agent had reported an error. */
    public static boolean failing(String what) {
        return !ARMED.isEmpty() && ARMED.contains("fail:" + what);
    }

    /** Halts the JVM at once (no shutdown hooks, like a crash) if {@code crash-after:<what>} is armed. */
    public static void crashAfter(String what) {
        if (!ARMED.isEmpty() && ARMED.contains("crash-after:" + what)) {
            System.err.println("drsp: failpoint crash-after:" + what + " reached; halting");
            Runtime.getRuntime().halt(137);
        }
    }
}
