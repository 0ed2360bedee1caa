package io.drsp.cli;

import static io.drsp.cli.CliRun.drsp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** 'drsp agent' refuses to listen for remoting off loopback without TLS, before it starts anything. */
class AgentCommandTest {
    @Test
    void plainRemotingOnANonLoopbackAddressIsRefusedInOneSentence() {
        String conf = Path.of("../conf/drsp.conf").toAbsolutePath().normalize().toString(); // the sample: no drsp.tls
        CliRun r = drsp("agent", "--config", conf, "--host", "10.1.2.3", "--node", "1/dr/s1");
        assertEquals(1, r.code(), r.toString());
        assertEquals("drsp: the agent's remoting address 10.1.2.3 is not a loopback address, and plain remoting there would let"
                + " any host that reaches it join the cluster and command the agents; add drsp.tls.remoting { key-store,"
                + " key-store-password, trust-store, trust-store-password } to " + conf + ", or listen on 127.0.0.1.", r.err().strip());
    }
}
