package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.DrspConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The CLI's side of the controller API: address and token come from drsp.conf, refusals become exceptions.
 * HttpURLConnection rather than java.net.http.HttpClient: scripts run drsp in loops, and HttpClient cost each run
 * about 0.7 s of a 1.2 s 'drsp status' on the 2-core test machine: its start (250 classes, a selector thread) and,
 * at System.exit, the JVM's 300 ms wait for that selector thread, parked in native epoll_wait, which never comes.
 */
final class ControllerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Longer than any request's own wait: the controller answers a runbook's follow-up within its waitSeconds. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(11);
    private final DrspConfig config;

    ControllerClient(DrspConfig config) {
        this.config = config;
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path, Object body) {
        try {
            return send("POST", path, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean isUp() {
        try {
            HttpURLConnection c = open("clusters", Duration.ofSeconds(2));
            try {
                int code = c.getResponseCode();
                return code == 401 || code == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    private URL url(String path) throws IOException {
        var h = config.controller().http();
        return new URL("http", h.host(), h.port(), "/api/v1/" + path);
    }

    private HttpURLConnection open(String path, Duration readTimeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url(path).openConnection();
        c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        c.setReadTimeout((int) readTimeout.toMillis());
        c.setUseCaches(false);
        return c;
    }

    /**
     * The controller's token, from the file its first start made. A file this user cannot read (the controller runs as
     * another user, the file is theirs with mode 0600) is named as such: "has the controller been started?" would
     * send the DBA looking in the wrong place.
     */
    private ApiToken token() {
        Path file = config.controller().tokenFile();
        if (!Files.notExists(file) && !Files.isDirectory(file) && !Files.isReadable(file)) {
            throw new CommandRefused("the API token file " + file + " cannot be read by user " + System.getProperty("user.name")
                    + "; run drsp as the user that started the controller");
        }
        return ApiToken.read(file);
    }

    private JsonNode send(String method, String path, byte[] body) {
        ApiToken token = token();
        try {
            HttpURLConnection c = open(path, REQUEST_TIMEOUT);
            c.setRequestMethod(method);
            c.setRequestProperty("Authorization", "Bearer " + token.value());
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                c.setFixedLengthStreamingMode(body.length);
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body);
                }
            }
            int code = c.getResponseCode();
            String text = readBody(c, code);
            if (code == 401) {
                // The controller's own sentence tells an HTTP client to send a token; the CLI did, from the file.
                var h = config.controller().http();
                throw new CommandRefused("the drsp controller at " + h.host() + ":" + h.port() + " did not accept the token in "
                        + config.controller().tokenFile() + "; that file no longer holds the token this controller made at its first"
                        + " start, or this configuration names another controller's port");
            }
            JsonNode json;
            try {
                json = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
            } catch (IOException notJson) {
                throw new CommandRefused("the controller answered HTTP " + code + ": "
                        + text.lines().findFirst().orElse("") + " (see its log)");
            }
            if (code / 100 != 2) {
                throw new CommandRefused(json.path("detail").asText("the controller answered HTTP " + code));
            }
            return json;
        } catch (ConnectException e) {
            var h = config.controller().http();
            throw new CommandRefused("the drsp controller is not running at " + h.host() + ":" + h.port()
                    + "; start it with 'drsp controller --daemon --config " + config.file() + "'.");
        } catch (IOException e) {
            throw new CommandRefused("talking to the drsp controller failed: " + e.getMessage());
        }
    }

    /** The answer's body, which HttpURLConnection hands out on another stream for 4xx and 5xx. */
    private static String readBody(HttpURLConnection c, int code) throws IOException {
        try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The controller refused or failed; its sentence is what the DBA reads. */
    static final class CommandRefused extends RuntimeException {
        CommandRefused(String sentence) {
            super(sentence);
        }
    }
}
