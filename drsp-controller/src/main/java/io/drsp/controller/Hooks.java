package io.drsp.controller;

import io.drsp.core.config.SiteSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
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

    record Result(boolean ok, String output) {
    }

    private Hooks() {
    }

    static Result run(String hookName, Optional<Path> script, Map<String, String> env) {
        if (script.isEmpty()) {
            return new Result(true, "no " + hookName + " hook configured");
        }
        try {
            ProcessBuilder pb = new ProcessBuilder(script.get().toString()).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(MAX_OUTPUT);
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, hookName + " hook " + script.get() + " did not finish within " + TIMEOUT.toSeconds() + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                return new Result(false, hookName + " hook " + script.get() + " exited with " + p.exitValue()
                        + (text.isEmpty() ? "" : ": " + text.replace('\n', ' ')));
            }
            return new Result(true, text);
        } catch (IOException e) {
            return new Result(false, hookName + " hook " + script.get() + " could not run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, hookName + " hook interrupted");
        }
    }

    static Optional<Path> script(SiteSettings site, String hookName) {
        return hookName.equals("start_dbproxy") ? site.startDbproxyHook() : site.stopDbproxyHook();
    }
}
