package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The real {@code promtool} from Debian's {@code prometheus} package ({@code scripts/setup.sh} installs it), run in a
 * process of its own from the checkout's root, output captured in files, bounded in time ({@link Scripts#exec}).
 */
final class Promtool {
    private Promtool() {
    }

    /** Runs {@code promtool args...}; prints what it said, so the test's output shows promtool's own report. */
    static Cli.Result run(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary().toString());
        cmd.addAll(List.of(args));
        Cli.Result r = Scripts.exec(cmd, null, Map.of());
        System.out.println("$ promtool " + String.join(" ", args) + "  (exit " + r.exitCode() + ")");
        System.out.print(r.out());
        System.out.print(r.err());
        return r;
    }

    /** {@code PROMTOOL} if set, else the first {@code promtool} on the PATH; fails saying how to get it. */
    static Path binary() {
        String env = System.getenv("PROMTOOL");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "promtool");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("promtool is not on the PATH: run scripts/setup.sh (it installs Debian's prometheus package)");
    }
}
