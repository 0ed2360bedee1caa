package io.drsp.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

    @Test
    void parsesHostAndPort() {
        assertEquals(new Endpoint("127.0.0.1", 3307), Endpoint.parse(" 127.0.0.1:3307 "));
        assertEquals(new Endpoint("db-s1.dr.bank", 3306), Endpoint.parse("db-s1.dr.bank:3306"));
        assertEquals(new Endpoint("::1", 3306), Endpoint.parse("[::1]:3306"));
        assertEquals("[::1]:3306", new Endpoint("::1", 3306).toString());
        assertEquals("127.0.0.1:65535", Endpoint.parse("127.0.0.1:65535").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", ":3306", "127.0.0.1:", "127.0.0.1:abc", "::1:3306", "host:123456", "host:-1"})
    void refusesWhatIsNotHostColonPort(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Endpoint.parse(text));
        assertEquals("\"" + text + "\" is not host:port, expected something like 127.0.0.1:3306", e.getMessage());
    }

    @Test
    void refusesPortsOutOfRange() {
        assertEquals("port 0 is out of range, expected 1-65535",
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("h:0")).getMessage());
        assertEquals("port 65536 is out of range, expected 1-65535",
                assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("h:65536")).getMessage());
    }
}
