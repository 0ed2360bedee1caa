package io.drsp.core.config;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Per data centre settings: the scripts that route applications to the site's proxy or away from it.
 * A missing hook means the site has no proxy for drsp to drive.
 */
public record SiteSettings(Site site, Optional<Path> startDbproxyHook, Optional<Path> stopDbproxyHook) {
    public SiteSettings {
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(startDbproxyHook, "startDbproxyHook");
        Objects.requireNonNull(stopDbproxyHook, "stopDbproxyHook");
    }

    public static SiteSettings withoutHooks(Site site) {
        return new SiteSettings(site, Optional.empty(), Optional.empty());
    }
}
