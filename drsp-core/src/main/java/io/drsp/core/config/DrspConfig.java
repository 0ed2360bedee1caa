package io.drsp.core.config;

import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Everything in {@code drsp.conf}, validated. Obtain it with {@link #load(Path)}; every path in it is
 * absolute, every user reference resolves, every endpoint is named once.
 *
 * @param file     the configuration file, absolute
 * @param home     runtime state: token file, pid files, archives of flashed-back transactions
 * @param timeZone the zone recovery times are typed in
 * @param clusters cluster pairs by id, in id order (numeric ids numerically)
 * @param tls      what drsp's connections encrypt, {@link TlsSettings#NONE} for nothing
 */
public record DrspConfig(Path file, Path home, ZoneId timeZone, ControllerSettings controller,
                         Map<String, UserRef> users, Map<Site, SiteSettings> sites, Map<String, ClusterPair> clusters,
                         TlsSettings tls) {

    /** Cluster ids are numbers in practice; order 2 before 10 but still order any other id. */
    static final Comparator<String> CLUSTER_ORDER = Comparator
            .comparing((String id) -> !id.matches("[0-9]+"))
            .thenComparingInt(String::length)
            .thenComparing(Comparator.naturalOrder());

    public DrspConfig {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(timeZone, "timeZone");
        Objects.requireNonNull(controller, "controller");
        users = Collections.unmodifiableMap(new TreeMap<>(users));
        if (!sites.keySet().containsAll(EnumSet.allOf(Site.class))) {
            throw new IllegalArgumentException("settings are needed for both sites, even if without hooks");
        }
        sites = Collections.unmodifiableMap(new EnumMap<>(sites));
        Map<String, ClusterPair> ordered = new LinkedHashMap<>();
        for (String id : clusters.keySet().stream().sorted(CLUSTER_ORDER).toList()) {
            ordered.put(id, clusters.get(id));
        }
        clusters = Collections.unmodifiableMap(ordered);
        tls = tls == null ? TlsSettings.NONE : tls;
    }

    /**
     * Reads and validates a configuration file.
     *
     * @throws InvalidConfigException listing every problem found
     */
    public static DrspConfig load(Path file) {
        return ConfigLoader.load(file);
    }

    /** @throws IllegalArgumentException in one sentence naming the known clusters */
    public ClusterPair cluster(String id) {
        ClusterPair pair = clusters.get(id);
        if (pair == null) {
            throw new IllegalArgumentException("cluster \"" + id + "\" is not configured in " + file
                    + ", expected one of: " + String.join(", ", clusters.keySet()));
        }
        return pair;
    }

    /** This configuration as the controller named {@code name} sees it (its own API, remoting and metrics ports). */
    public DrspConfig asController(String name) {
        return new DrspConfig(file, home, timeZone, controller.as(name), users, sites, clusters, tls);
    }

    /** @throws IllegalArgumentException in one sentence naming the known users */
    public UserRef user(String key) {
        UserRef user = users.get(key);
        if (user == null) {
            throw new IllegalArgumentException("user \"" + key + "\" is not configured under drsp.users in " + file
                    + ", expected one of: " + String.join(", ", users.keySet()));
        }
        return user;
    }

    public SiteSettings site(Site site) {
        return sites.get(site);
    }
}
