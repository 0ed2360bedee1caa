package io.drsp.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.drsp.core.config.DrspConfig;
import io.drsp.sandbox.SandboxCertificates;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Pekko remoting over TLS with mutual authentication, between real actor systems in this JVM (no MySQL is needed to
 * know who may join): a member with a certificate the sandbox's CA signed joins; one whose certificate signs itself,
 * and one without TLS, never join, a message either sends never arrives, and the controller's side logs the refused
 * handshake. Plain remoting off loopback is refused before anything starts.
 */
class RemotingTlsTest {
    @TempDir
    static Path dir;
    static String password;
    static SandboxCertificates certs;
    static int controllerPort;
    static ActorSystem<Void> controller;
    static ListAppender<ILoggingEvent> pekkoLog;

    @BeforeAll
    static void up() throws Exception {
        password = "pw-" + UUID.randomUUID();
        certs = SandboxCertificates.make(dir.resolve("tls"), password);
        SandboxCertificates.selfSigned(dir.resolve("rogue"), "rogue", password);
        Files.writeString(dir.resolve("store-password"), password);
        Files.setPosixFilePermissions(dir.resolve("store-password"), PosixFilePermissions.fromString("rw-------"));
        try (ServerSocket s = new ServerSocket(0)) {
            controllerPort = s.getLocalPort();
        }
        pekkoLog = new ListAppender<>();
        pekkoLog.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(pekkoLog);
        controller = system(config("good", tls("tls/controller.p12", "tls/agent.p12", "tls/trust.p12")), ClusterRoles.CONTROLLER,
                controllerPort);
        await(Duration.ofSeconds(30), () -> Cluster.get(controller).selfMember().status() == MemberStatus.up(),
                "the controller formed its cluster");
    }

    @AfterAll
    static void down() {
        if (controller != null) {
            controller.terminate();
        }
    }

    @Test
    void aMemberTheCaVouchesForJoinsAndItsMessagesArrive() throws Exception {
        ActorSystem<Void> agent = system(config("good", tls("tls/controller.p12", "tls/agent.p12", "tls/trust.p12")),
                ClusterRoles.AGENT, 0);
        try {
            await(Duration.ofSeconds(30), () -> members().contains(Cluster.get(agent).selfMember().address().toString()),
                    "the agent is a member");
            TestProbe<String> probe = TestProbe.create(controller);
            agent.classicSystem().actorSelection(probe.ref().path().toStringWithAddress(
                    Cluster.get(controller).selfMember().address())).tell("hello", org.apache.pekko.actor.ActorRef.noSender());
            probe.expectMessage(Duration.ofSeconds(10), "hello");
        } finally {
            agent.terminate();
        }
    }

    @Test
    void aMemberWithASelfSignedCertificateNeverJoinsAndNothingItSendsArrives() throws Exception {
        int before = pekkoLog.list.size();
        // It trusts the sandbox's CA (a CA certificate is no secret), so it is the controller's check that stops it.
        assertNeverJoins(tls("rogue/rogue.p12", null, "tls/trust.p12"), "self-signed",
                () -> logged(before, "refused a TLS handshake on the remoting port") > 0);
        // the controller's side says why: the member offered no certificate the CA signed
        assertTrue(logged(before, "refused a TLS handshake on the remoting port 127.0.0.1:" + controllerPort
                        + ": Empty client certificate chain") > 0,
                pekkoLog.list.toString());
    }

    @Test
    void aMemberWithoutTlsNeverJoinsATlsCluster() throws Exception {
        int before = pekkoLog.list.size();
        assertNeverJoins("", "plain", () -> logged(before, "Couldn't join seed nodes after [2] attempts") > 0
                && logged(before, "refused a TLS handshake on the remoting port 127.0.0.1:" + controllerPort
                        + ": Unrecognized SSL message, plaintext connection?") > 0);
    }

    @Test
    void plainRemotingOffLoopbackIsRefusedInOneSentenceAndATlsStoreThatDoesNotOpenIsNamed() throws Exception {
        DrspConfig plain = config("plain", "");
        assertEquals("tcp", ClusterRoles.transport(plain, ClusterRoles.AGENT, "127.0.0.1").get("pekko.remote.artery.transport"));
        IllegalArgumentException off = assertThrows(IllegalArgumentException.class,
                () -> ClusterRoles.transport(plain, ClusterRoles.AGENT, "10.1.2.3"));
        assertEquals("the agent's remoting address 10.1.2.3 is not a loopback address, and plain remoting there would let any"
                + " host that reaches it join the cluster and command the agents; add drsp.tls.remoting { key-store,"
                + " key-store-password, trust-store, trust-store-password } to " + plain.file() + ", or listen on 127.0.0.1.",
                off.getMessage());

        DrspConfig good = config("good", tls("tls/controller.p12", "tls/agent.p12", "tls/trust.p12"));
        Map<String, Object> agent = ClusterRoles.transport(good, ClusterRoles.AGENT, "10.1.2.3");
        assertEquals("tls-tcp", agent.get("pekko.remote.artery.transport"));
        assertEquals(dir.resolve("tls/agent.p12").toString(), agent.get("pekko.remote.artery.ssl.config-ssl-engine.key-store"));
        assertEquals(dir.resolve("tls/controller.p12").toString(), ClusterRoles.transport(good, ClusterRoles.CONTROLLER, "10.1.2.3")
                .get("pekko.remote.artery.ssl.config-ssl-engine.key-store"));
        assertEquals("on", agent.get("pekko.remote.artery.ssl.config-ssl-engine.require-mutual-authentication"));

        Files.writeString(dir.resolve("wrong-password"), "not-" + password);
        Files.setPosixFilePermissions(dir.resolve("wrong-password"), PosixFilePermissions.fromString("rw-------"));
        DrspConfig wrong = config("wrong", tls("tls/controller.p12", null, "tls/trust.p12").replace("store-password\" }",
                "wrong-password\" }"));
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ClusterRoles.transport(wrong, ClusterRoles.CONTROLLER, "127.0.0.1"));
        assertTrue(refused.getMessage().startsWith("the TLS key-store " + dir.resolve("tls/controller.p12")
                + " cannot be opened as a PKCS12 store with its password"), refused.getMessage());
        assertFalse(refused.getMessage().contains(password), "no password in the sentence");
    }

    /**
     * A would-be agent with {@code tlsSection} tries to join the controller and to send to an actor there: once
     * {@code triedAndFailed} (its attempts are in the log), it is not a member and the message has not arrived.
     */
    private static void assertNeverJoins(String tlsSection, String name, java.util.function.BooleanSupplier triedAndFailed)
            throws Exception {
        ActorSystem<Void> rogue = system(config(name, tlsSection), ClusterRoles.AGENT, 0);
        try {
            TestProbe<String> probe = TestProbe.create(controller);
            rogue.classicSystem().actorSelection(probe.ref().path().toStringWithAddress(Cluster.get(controller).selfMember().address()))
                    .tell("flashback everything", org.apache.pekko.actor.ActorRef.noSender());
            await(Duration.ofSeconds(60), triedAndFailed, "the " + name + " member's attempts failed, as the log says");
            probe.expectNoMessage(Duration.ofSeconds(3));
            assertFalse(members().contains(Cluster.get(rogue).selfMember().address().toString()), members().toString());
            assertFalse(Cluster.get(rogue).selfMember().status() == MemberStatus.up(), "the " + name + " member never came up");
        } finally {
            rogue.terminate();
        }
    }

    /** Polls {@code condition} until it holds, failing with {@code what} at the deadline. */
    private static void await(Duration within, java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + within.toSeconds() + " s: " + what);
            }
            Thread.sleep(100);
        }
    }

    /** Log lines (with their exception) since index {@code from} that contain {@code text}. */
    private static long logged(int from, String text) {
        List<ILoggingEvent> events = List.copyOf(pekkoLog.list);
        return events.subList(from, events.size()).stream()
                .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName()
                        + ": " + e.getThrowableProxy().getMessage()))
                .filter(m -> m.contains(text)).count();
    }

    private static List<String> members() {
        return java.util.stream.StreamSupport.stream(Cluster.get(controller).state().getMembers().spliterator(), false)
                .map(m -> m.address().toString()).toList();
    }

    private static ActorSystem<Void> system(DrspConfig config, String role, int port) {
        Config pekko = ConfigFactory.parseMap(Map.of(
                        "pekko.actor.provider", "cluster",
                        "pekko.remote.artery.canonical.hostname", "127.0.0.1",
                        "pekko.remote.artery.canonical.port", port,
                        "pekko.cluster.jmx.enabled", "off",
                        "pekko.coordinated-shutdown.exit-jvm", "off",
                        "pekko.loggers", List.of("org.apache.pekko.event.slf4j.Slf4jLogger"),
                        "pekko.logging-filter", "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"))
                .withFallback(ClusterRoles.membership(config, role, "127.0.0.1"))
                .withFallback(ConfigFactory.load());
        return ActorSystem.create(Behaviors.empty(), ClusterRoles.SYSTEM_NAME, pekko);
    }

    private static String tls(String keyStore, String agentKeyStore, String trustStore) {
        String secret = "{ file = \"" + dir.resolve("store-password") + "\" }";
        return "tls.remoting {\n key-store = \"" + dir.resolve(keyStore) + "\"\n key-store-password = " + secret + "\n"
                + (agentKeyStore == null ? "" : " agent-key-store = \"" + dir.resolve(agentKeyStore) + "\"\n agent-key-store-password = "
                + secret + "\n")
                + " trust-store = \"" + dir.resolve(trustStore) + "\"\n trust-store-password = " + secret + "\n"
                + " hostname-verification = on\n}\n"; // every certificate names 127.0.0.1
    }

    private static DrspConfig config(String name, String tlsSection) throws Exception {
        Path file = dir.resolve(name + ".conf");
        Files.writeString(file, """
                drsp {
                  home = "state"
                  time-zone = "UTC"
                  controller {
                    http { host = "127.0.0.1", port = 1 }
                    remoting { host = "127.0.0.1", port = %d }
                    token-file = "controller.token"
                    control-db { endpoint = "127.0.0.1:2", database = "drsp", user = admin }
                  }
                  users {
                    admin { name = "a", password { env = "UNUSED_A" } }
                    replication { name = "r", password { env = "UNUSED_R" } }
                  }
                  clusters { "1" {
                    production { shards { meta { primary = "127.0.0.1:3" }, s1 { primary = "127.0.0.1:4" } } }
                    dr { shards { meta { primary = "127.0.0.1:5" }, s1 { primary = "127.0.0.1:6" } } }
                  } }
                  %s
                }
                """.formatted(controllerPort, tlsSection));
        return DrspConfig.load(file);
    }
}
