package io.drsp.agent;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.config.Pkcs12;
import io.drsp.core.config.TlsSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

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

    /**
     * The membership settings of a member with {@code role} whose remoting listens on {@code host}: seed nodes, role,
     * split-brain rules, and the transport, TLS with mutual authentication when {@code drsp.tls.remoting} is set.
     *
     * @throws IllegalArgumentException in one sentence, when {@code host} is not a loopback address and TLS is not
     *                                  configured, or a TLS store cannot be opened
     */
    public static Config membership(DrspConfig config, String role, String host) {
        var controller = config.controller();
        List<String> seeds = controller.peers().stream().map(ControllerPeer::remoting).map(ClusterRoles::address).toList();
        Map<String, Object> m = new HashMap<>(transport(config, role, host));
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

    /**
     * Plain TCP only on loopback: any host that reaches a remoting port could otherwise join the cluster and send an
     * agent Flashback or Purge. With TLS every member presents a certificate and accepts only peers whose certificate
     * chains to the trust store, so a host without one cannot even finish the handshake. The passwords go into the
     * in-memory config only, as the control database's does; Pekko never logs its config unless told to.
     */
    static Map<String, Object> transport(DrspConfig config, String role, String host) {
        Optional<TlsSettings.Remoting> tls = config.tls().remoting();
        if (tls.isEmpty()) {
            if (!isLoopback(host)) {
                throw new IllegalArgumentException("the " + role + "'s remoting address " + host + " is not a loopback address,"
                        + " and plain remoting there would let any host that reaches it join the cluster and command the agents;"
                        + " add drsp.tls.remoting { key-store, key-store-password, trust-store, trust-store-password } to "
                        + config.file() + ", or listen on 127.0.0.1.");
            }
            return Map.of("pekko.remote.artery.transport", "tcp");
        }
        TlsSettings.Remoting t = tls.get();
        boolean agent = role.equals(AGENT);
        String keyPassword = t.keyStorePassword(agent).resolve();
        String trustPassword = t.trustStorePassword().resolve();
        // Pekko would fail on the first connection with a stack trace; this names the store and the setting at start.
        Pkcs12.open(t.keyStore(agent), keyPassword.toCharArray(), agent ? "remoting.agent-key-store" : "remoting.key-store");
        Pkcs12.open(t.trustStore(), trustPassword.toCharArray(), "remoting.trust-store");
        String engine = "pekko.remote.artery.ssl.config-ssl-engine.";
        Map<String, Object> m = new HashMap<>();
        m.put("pekko.remote.artery.transport", "tls-tcp");
        m.put("pekko.remote.artery.ssl.ssl-engine-provider", DrspSslEngineProvider.class.getName());
        m.put(engine + "key-store", t.keyStore(agent).toString());
        m.put(engine + "key-store-password", keyPassword);
        m.put(engine + "key-password", keyPassword); // a PKCS12 store's key has the store's password
        m.put(engine + "trust-store", t.trustStore().toString());
        m.put(engine + "trust-store-password", trustPassword);
        m.put(engine + "protocol", "TLSv1.3");
        m.put(engine + "enabled-algorithms", List.of("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256"));
        m.put(engine + "require-mutual-authentication", "on");
        m.put(engine + "hostname-verification", t.hostnameVerification() ? "on" : "off");
        return m;
    }

    static boolean isLoopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

}
