package io.drsp.cli;

import io.drsp.core.config.DrspConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, else {@code $DRSP_CONF}, else {@code conf/drsp.conf}: how every command finds drsp.conf. */
final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE", description = "drsp.conf to use (default: $DRSP_CONF, then conf/drsp.conf).")
    Path file;

    Path resolve() {
        if (file != null) {
            return file;
        }
        String env = System.getenv("DRSP_CONF");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of("conf/drsp.conf");
    }

    DrspConfig load() {
        Path path = resolve();
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no configuration at " + path + "; pass --config FILE or set DRSP_CONF");
        }
        return DrspConfig.load(path);
    }
}
