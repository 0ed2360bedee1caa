package io.drsp.tests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real runbook scripts of {@code scripts/} in a process of their own, as a DBA's runbook does: with
 * {@code DRSP_CONF} in the environment and the drsp command the scripts find themselves (this checkout's
 * {@code drsp-cli/target/drsp}, unless the caller sets {@code DRSP_BIN}).
 */
final class Scripts {
    /** The checkout: tests run with the {@code tests} module as working directory. */
    static final Path ROOT = findRoot();
    static final Path DRSP = ROOT.resolve("drsp-cli/target/drsp/bin/drsp");

    private Scripts() {
    }

    /** Runs {@code scripts/<script>} with {@code args}; {@code conf} becomes DRSP_CONF (null: unset). */
    static Cli.Result run(String conf, Map<String, String> env, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(ROOT.resolve("scripts").resolve(script).toString()));
        cmd.addAll(List.of(args));
        return exec(cmd, conf, env);
    }

    static Cli.Result run(String conf, String script, String... args) {
        return run(conf, Map.of(), script, args);
    }

    /** Runs any command line with the same environment rules, output captured in files (no pipe can fill up). */
    static Cli.Result exec(List<String> cmd, String conf, Map<String, String> env) {
        try {
            Path out = Files.createTempFile("drsp-script", ".out");
            Path err = Files.createTempFile("drsp-script", ".err");
            try {
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                        .redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.environment().remove("DRSP_CONF");
                pb.environment().remove("DRSP_BIN");
                if (conf != null) {
                    pb.environment().put("DRSP_CONF", conf);
                }
                pb.environment().putAll(env);
                Process p = pb.start();
                if (!p.waitFor(3, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError("not within 3 min: " + cmd);
                }
                return new Cli.Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + cmd);
        }
    }

    private static Path findRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/AllControl.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("no scripts/AllControl.sh above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
