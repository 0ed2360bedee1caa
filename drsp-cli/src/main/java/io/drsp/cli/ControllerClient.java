package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.DrspConfig;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The CLI's side of the controller API: address and token come from drsp.conf, refusals become exceptions. */
final class ControllerClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final DrspConfig config;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    ControllerClient(DrspConfig config) {
        this.config = config;
    }

    JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET());
    }

    JsonNode post(String path, Object body) {
        try {
            return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean isUp() {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("clusters")).timeout(Duration.ofSeconds(2)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 401 || r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private URI uri(String path) {
        var h = config.controller().http();
        return URI.create("http://" + h.host() + ":" + h.port() + "/api/v1/" + path);
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

    private JsonNode send(HttpRequest.Builder request) {
        ApiToken token = token();
        try {
            HttpResponse<String> r = http.send(request.header("Authorization", "Bearer " + token.value())
                    .timeout(Duration.ofMinutes(11)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 401) {
                // The controller's own sentence tells an HTTP client to send a token; the CLI did, from the file.
                var h = config.controller().http();
                throw new CommandRefused("the drsp controller at " + h.host() + ":" + h.port() + " did not accept the token in "
                        + config.controller().tokenFile() + "; that file no longer holds the token this controller made at its first"
                        + " start, or this configuration names another controller's port");
            }
            JsonNode body;
            try {
                body = r.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.body());
            } catch (IOException notJson) {
                throw new CommandRefused("the controller answered HTTP " + r.statusCode() + ": "
                        + r.body().lines().findFirst().orElse("") + " (see its log)");
            }
            if (r.statusCode() / 100 != 2) {
                throw new CommandRefused(body.path("detail").asText("the controller answered HTTP " + r.statusCode()));
            }
            return body;
        } catch (ConnectException e) {
            var h = config.controller().http();
            throw new CommandRefused("the drsp controller is not running at " + h.host() + ":" + h.port()
                    + "; start it with 'drsp controller --daemon --config " + config.file() + "'.");
        } catch (IOException e) {
            throw new CommandRefused("talking to the drsp controller failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CommandRefused("interrupted while waiting for the controller");
        }
    }

    /** The controller refused or failed; its sentence is what the DBA reads. */
    static final class CommandRefused extends RuntimeException {
        CommandRefused(String sentence) {
            super(sentence);
        }
    }
}
