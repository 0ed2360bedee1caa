package io.drsp.sandbox;

import java.util.List;
import java.util.stream.Collectors;

/** Renders the {@code drsp.conf} that describes a sandbox exactly as drsp would be configured in production. */
final class SandboxConfigWriter {
    private final String clusterId;
    private final List<Sandbox.Member> members;
    /** One controller's ports: its API, its Pekko remoting and its /metrics. */
    record ControllerPorts(int http, int remoting, int metrics) {
    }

    private final List<ControllerPorts> controllers;
    private final boolean tls;

    /** @param tls the sandbox made certificates ({@code sandbox up --tls}): every connection is to use them */
    SandboxConfigWriter(String clusterId, List<Sandbox.Member> members, List<ControllerPorts> controllers, boolean tls) {
        this.clusterId = clusterId;
        this.members = members;
        this.controllers = List.copyOf(controllers);
        this.tls = tls;
    }

    private static void appendPorts(StringBuilder b, String indent, ControllerPorts p) {
        b.append(indent).append("http { host = \"127.0.0.1\", port = ").append(p.http()).append(" }\n");
        b.append(indent).append("remoting { host = \"127.0.0.1\", port = ").append(p.remoting()).append(" }\n");
        b.append(indent).append("metrics { host = \"127.0.0.1\", port = ").append(p.metrics()).append(" }\n");
    }

    String render() {
        Sandbox.Member control = members.stream().filter(m -> m.role() == Sandbox.Role.CONTROL).findFirst().orElseThrow();
        StringBuilder b = new StringBuilder();
        b.append("# Written by 'drsp sandbox up': the sandbox's production and DR clusters, as drsp sees them.\n");
        b.append("drsp {\n");
        b.append("  home = \"state\"\n");
        b.append("  time-zone = \"").append(java.time.ZoneId.systemDefault().getId()).append("\"\n");
        b.append("  controller {\n");
        if (controllers.size() == 1) {
            appendPorts(b, "    ", controllers.get(0));
        } else {
            // Several controllers, as on separate hosts in production: each started with 'drsp controller --name cN'.
            b.append("    peers {\n");
            for (int i = 0; i < controllers.size(); i++) {
                b.append("      c").append(i + 1).append(" {\n");
                appendPorts(b, "        ", controllers.get(i));
                b.append("      }\n");
            }
            b.append("    }\n");
        }
        b.append("    token-file = \"state/controller.token\"\n");
        b.append("    control-db { endpoint = \"").append(control.endpoint()).append("\", database = \"drsp\", user = admin }\n");
        b.append("  }\n");
        b.append("  users {\n");
        b.append("    admin { name = \"").append(SandboxCredentials.ADMIN).append("\", password { file = \"secrets/admin\" } }\n");
        b.append("    replication { name = \"").append(SandboxCredentials.REPLICATION)
                .append("\", password { file = \"secrets/repl\" } }\n");
        b.append("  }\n");
        b.append("  sites {\n");
        for (String site : List.of("production", "dr")) {
            b.append("    ").append(site).append(" { hooks { start-dbproxy = \"hooks/start_dbproxy.sh\", ")
                    .append("stop-dbproxy = \"hooks/stop_dbproxy.sh\" } }\n");
        }
        b.append("  }\n");
        b.append("  clusters {\n");
        b.append("    \"").append(clusterId).append("\" {\n");
        b.append("      production { shards {\n");
        appendShards(b, Sandbox.Role.PRODUCTION);
        b.append("      } }\n");
        b.append("      dr { shards {\n");
        appendShards(b, Sandbox.Role.DR);
        b.append("      } }\n");
        b.append("    }\n");
        b.append("  }\n");
        if (tls) {
            // The stores and the CA 'sandbox up --tls' made; one password for all stores, kept like the MySQL ones.
            String secret = "{ file = \"secrets/tls-store\" }";
            b.append("  tls {\n");
            b.append("    remoting {\n");
            store(b, "key-store", SandboxCertificates.CONTROLLER_STORE, secret);
            store(b, "agent-key-store", SandboxCertificates.AGENT_STORE, secret);
            store(b, "trust-store", SandboxCertificates.TRUST_STORE, secret);
            b.append("      hostname-verification = on\n");
            b.append("    }\n");
            b.append("    mysql { ca = \"tls/").append(SandboxCertificates.CA_PEM).append("\", verify-identity = on }\n");
            b.append("    api {\n");
            store(b, "key-store", SandboxCertificates.CONTROLLER_STORE, secret);
            store(b, "trust-store", SandboxCertificates.TRUST_STORE, secret);
            b.append("    }\n");
            b.append("  }\n");
        }
        b.append("}\n");
        return b.toString();
    }

    private static void store(StringBuilder b, String key, String file, String secret) {
        b.append("      ").append(key).append(" = \"tls/").append(file).append("\", ").append(key).append("-password = ")
                .append(secret).append("\n");
    }

    private void appendShards(StringBuilder b, Sandbox.Role role) {
        for (Sandbox.Member primary : members.stream().filter(m -> m.role() == role).toList()) {
            String replicas = members.stream()
                    .filter(m -> m.role() == Sandbox.Role.DR_REPLICA && role == Sandbox.Role.DR && m.shard().equals(primary.shard()))
                    .map(m -> "\"" + m.endpoint() + "\"").collect(Collectors.joining(", "));
            b.append("        ").append(primary.shard()).append(" { primary = \"").append(primary.endpoint()).append("\"");
            if (!replicas.isEmpty()) {
                b.append(", replicas = [").append(replicas).append("]");
            }
            b.append(" }\n");
        }
    }
}
