package io.drsp.core.config;

import java.util.Objects;

/**
 * A TCP address: a MySQL instance or a listening socket of drsp.
 * Two endpoints are the same only if spelled the same; drsp does not resolve host names.
 */
public record Endpoint(String host, int port) {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        if (host.isBlank() || !host.strip().equals(host)) {
            throw new IllegalArgumentException("host \"" + host + "\" is not a host name or address, expected something like 127.0.0.1");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range, expected 1-65535");
        }
    }

    /** Reads {@code host:port}, or {@code [ipv6]:port}. */
    public static Endpoint parse(String text) {
        Objects.requireNonNull(text, "text");
        String trimmed = text.strip();
        int colon = trimmed.lastIndexOf(':');
        String host = colon < 0 ? "" : trimmed.substring(0, colon);
        String port = colon < 0 ? "" : trimmed.substring(colon + 1);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = "";
        }
        if (host.isEmpty() || port.isEmpty() || port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("\"" + text + "\" is not host:port, expected something like 127.0.0.1:3306");
        }
        return new Endpoint(host, Integer.parseInt(port));
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
