package io.drsp.agent;

import io.drsp.core.config.Site;

/**
 * Names one MySQL instance in drsp's topology: cluster, site, shard, and member (0 for the shard primary, n for its
 * n-th local replica). Its text form, e.g. {@code 1/dr/s1} or {@code 1/dr/s1/r1}, is what {@code drsp agent --node}
 * takes and what the Receptionist registers.
 */
public record NodeKey(String cluster, Site site, String shard, int member) {
    public NodeKey {
        if (member < 0) {
            throw new IllegalArgumentException("member must be 0 (primary) or a replica number, got " + member);
        }
    }

    public static NodeKey primary(String cluster, Site site, String shard) {
        return new NodeKey(cluster, site, shard, 0);
    }

    public boolean isPrimary() {
        return member == 0;
    }

    /** Parses {@code cluster/site/shard[/rN]}, refusing anything else with the form it expects. */
    public static NodeKey parse(String text) {
        String[] p = text.split("/");
        if (p.length < 3 || p.length > 4) {
            throw new IllegalArgumentException("node \"" + text + "\" is not cluster/site/shard[/rN], e.g. 1/dr/s1 or 1/dr/s1/r1");
        }
        Site site = Site.fromConfigKey(p[1]).orElseThrow(() -> new IllegalArgumentException(
                "node \"" + text + "\" names site \"" + p[1] + "\", expected production or dr"));
        int member = 0;
        if (p.length == 4) {
            if (!p[3].matches("r[1-9][0-9]*")) {
                throw new IllegalArgumentException("node \"" + text + "\" names member \"" + p[3] + "\", expected r1, r2, ...");
            }
            member = Integer.parseInt(p[3].substring(1));
        }
        return new NodeKey(p[0], site, p[2], member);
    }

    /** What a DBA reads in messages: "dr shard s1" or "dr shard s1 replica r1". */
    public String describe() {
        return site.configKey() + " shard " + shard + (member == 0 ? "" : " replica r" + member);
    }

    @Override
    public String toString() {
        return cluster + "/" + site.configKey() + "/" + shard + (member == 0 ? "" : "/r" + member);
    }
}
