package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A JVM that dies with kill -9 leaves its mysqld running; the next run must find and stop it. */
class StaleInstancesTest {
    static final Path ROOT = Path.of("target/stale-instances-test").toAbsolutePath();

    /** Run in a child JVM: start one instance, say where, then wait to be killed. */
    public static void main(String[] args) throws Exception {
        MysqlInstance db = MysqlInstance.startNew(Path.of(args[0]), "orphan", 7101, Map.of());
        System.out.println("READY " + db.processHandle().orElseThrow().pid());
        System.out.flush();
        Thread.sleep(Duration.ofMinutes(10).toMillis());
    }

    @Test
    void reapStopsTheMysqldOfAKilledJvm() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                StaleInstancesTest.class.getName(), ROOT.toString()).redirectErrorStream(true).start();
        long mysqldPid = -1;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
            Instant deadline = Instant.now().plusSeconds(120);
            String line;
            while (Instant.now().isBefore(deadline) && (line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    mysqldPid = Long.parseLong(line.substring(6).trim());
                    break;
                }
            }
            assertTrue(mysqldPid > 0, "child JVM started its instance");
            child.destroyForcibly().waitFor();
        }
        assertTrue(ProcessHandle.of(mysqldPid).map(ProcessHandle::isAlive).orElse(false),
                "mysqld outlives the JVM that was killed");
        assertTrue(Files.exists(ROOT.resolve("orphan/mysqld.pid")));

        List<Long> reaped = StaleInstances.reap(ROOT);

        assertEquals(List.of(mysqldPid), reaped);
        assertFalse(ProcessHandle.of(mysqldPid).map(ProcessHandle::isAlive).orElse(false), "the orphan is stopped");
        MysqlInstance reopened = MysqlInstance.open(MysqlDistribution.obtain(), ROOT.resolve("orphan"));
        assertFalse(reopened.isAlive());
        reopened.start(); // data directory intact after the reaper's graceful stop
        assertTrue(reopened.isAlive());
        reopened.stop();
        assertEquals(List.of(), StaleInstances.reap(ROOT), "nothing left to reap");
    }
}
