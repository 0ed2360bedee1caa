package io.drsp.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How controllers and agents form one Pekko cluster: its name, every controller's remoting address as a seed node,
 * the role of each member and, with more than one controller, how a network split is decided. Every member gets the
 * same rules from the same {@code drsp.conf}, as the cluster's leader (whichever member it is) applies them.
 */
public final class ClusterRoles {
    /** Pekko cluster members must share the actor system's name. */
    public static final String SYSTEM_NAME = "drsp";
    public static final String CONTROLLER = "controller";
    public static final String AGENT = "agent";
    /**
     * How long a split must stay unchanged before the majority side downs the other. Long enough not to down a
     * controller for a short GC pause or a network blip, short enough that a dead owner's pairs are taken over in
     * seconds; fencing by takeover epoch does not depend on it being right.
     */
    public static final String STABLE_AFTER = "7s";

    private ClusterRoles() {
    }

    public static String address(io.drsp.core.config.Endpoint remoting) {
        return "pekko://" + SYSTEM_NAME + "@" + remoting.host() + ":" + remoting.port();
    }

    /** The membership settings of a member with {@code role}. */
    public static Config membership(DrspConfig config, String role) {
        var controller = config.controller();
        List<String> seeds = controller.peers().stream().map(ControllerPeer::remoting).map(ClusterRoles::address).toList();
        Map<String, Object> m = new HashMap<>();
        if (!controller.highlyAvailable() || !role.equals(CONTROLLER)) {
            m.put("pekko.cluster.seed-nodes", seeds);
        } // else the controller joins the seeds SeedNodes picks, once it knows whether a cluster runs already
        m.put("pekko.cluster.roles", List.of(role));
        if (controller.highlyAvailable()) {
            // Keep-majority counts controllers only: agents come and go with their database hosts and must not decide
            // which controllers live. Three controllers lose one without stopping; a side with one of three downs itself.
            m.put("pekko.cluster.downing-provider-class", "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider");
            m.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
            m.put("pekko.cluster.split-brain-resolver.keep-majority.role", CONTROLLER);
            m.put("pekko.cluster.split-brain-resolver.stable-after", STABLE_AFTER);
            // A controller restarted alone (it is the first seed node, so it may form a cluster by itself) waits for a
            // majority before it drives anything: it never becomes a second cluster beside a running majority.
            m.put("pekko.cluster.role." + CONTROLLER + ".min-nr-of-members", controller.peers().size() / 2 + 1);
            // A downed member ends its process, so systemd or a runbook restarts it as a fresh member.
            m.put("pekko.cluster.run-coordinated-shutdown-when-down", "on");
        }
        return ConfigFactory.parseMap(m);
    }
}
