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

    private JsonNode send(HttpRequest.Builder request) {
        ApiToken token = ApiToken.read(config.controller().tokenFile());
        try {
            HttpResponse<String> r = http.send(request.header("Authorization", "Bearer " + token.value())
                    .timeout(Duration.ofMinutes(11)).build(), HttpResponse.BodyHandlers.ofString());
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
