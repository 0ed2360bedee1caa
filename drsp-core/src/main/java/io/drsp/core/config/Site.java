package io.drsp.core.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** One of the two data centres. */
public enum Site {
    PRODUCTION,
    DR;

    /** The key used for the site in {@code drsp.conf} and on the command line. */
    public String configKey() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Site> fromConfigKey(String key) {
        return Arrays.stream(values()).filter(s -> s.configKey().equals(key)).findFirst();
    }
}
