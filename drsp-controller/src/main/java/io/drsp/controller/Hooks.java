package io.drsp.controller;

import io.drsp.core.config.SiteSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a site's dbproxy hook: the site's own script that sends applications to a site or takes them away. drsp
 * passes the cluster, site and mode in the environment and treats any exit code but 0 as a refusal to go on.
 */
final class Hooks {
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    private static final int MAX_OUTPUT = 4000;
    private static final Duration READER_GRACE = Duration.ofSeconds(2);

    record Result(boolean ok, String output) {
    }

    private Hooks() {
    }

    static Result run(String hookName, Optional<Path> script, Map<String, String> env) {
        return run(hookName, script, env, TIMEOUT);
    }

    /**
     * Runs the hook and waits at most {@code timeout}. Its output is read on another thread while it runs, so a hook
     * that writes much never blocks on a full pipe and one that hangs is noticed; at the bound the hook and every
     * process it started are killed, and the output so far is reported.
     */
    static Result run(String hookName, Optional<Path> script, Map<String, String> env, Duration timeout) {
        if (script.isEmpty()) {
            return new Result(true, "no " + hookName + " hook configured");
        }
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(script.get().toString()).redirectErrorStream(true);
            pb.environment().putAll(env);
            p = pb.start();
            p.getOutputStream().close();
        } catch (IOException e) {
            return new Result(false, hookName + " hook " + script.get() + " could not run: " + e.getMessage());
        }
        OutputDrain output = new OutputDrain(p);
        Thread reader = new Thread(output, hookName + "-hook-output");
        reader.setDaemon(true);
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killWithDescendants(p);
                reader.join(READER_GRACE.toMillis()); // a grandchild that escaped the kill may still hold the pipe
                String text = output.text();
                return new Result(false, hookName + " hook " + script.get() + " did not finish within " + timeout.toSeconds()
                        + " s and was killed with every process it started; its output so far: "
                        + (text.isEmpty() ? "(none)" : text.replace('\n', ' ')));
            }
            reader.join(READER_GRACE.toMillis()); // a background child of a finished hook may keep the pipe open
            String text = output.text();
            if (p.exitValue() != 0) {
                return new Result(false, hookName + " hook " + script.get() + " exited with " + p.exitValue()
                        + (text.isEmpty() ? "" : ": " + text.replace('\n', ' ')));
            }
            return new Result(true, text);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killWithDescendants(p);
            return new Result(false, hookName + " hook interrupted");
        }
    }

    /** Descendants first, listed while the hook still lives: once it is gone they are no longer its children. */
    private static void killWithDescendants(Process p) {
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroyForcibly();
        descendants.forEach(ProcessHandle::destroyForcibly);
    }

    /** Reads a hook's output to its end, keeping the first {@link #MAX_OUTPUT} bytes. */
    private static final class OutputDrain implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

        OutputDrain(Process p) {
            this.in = p.getInputStream();
        }

        @Override
        public void run() {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    synchronized (kept) {
                        kept.write(buffer, 0, Math.max(0, Math.min(n, MAX_OUTPUT - kept.size())));
                    }
                }
            } catch (IOException closed) {
                // the hook was killed: what was read so far is the output
            }
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8).strip();
            }
        }
    }

    static Optional<Path> script(SiteSettings site, String hookName) {
        return hookName.equals("start_dbproxy") ? site.startDbproxyHook() : site.stopDbproxyHook();
    }
}
