package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.DrspConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The controller's HTTP API as a script would call it, for answers the CLI prints only in part. */
final class Api {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Api() {
    }

    /** POSTs {@code body} to {@code /api/v1/clusters/1/<command>} and returns the JSON answer, which must be 200. */
    static JsonNode post(DrspConfig config, String command, Map<String, Object> body, Duration timeout) throws Exception {
        HttpResponse<String> r = post(config, command, body, null, timeout);
        assertEquals(200, r.statusCode(), body + ": " + r.body());
        return JSON.readTree(r.body());
    }

    /** The same POST with the client's id of the command (X-Drsp-Request-Id) unless null, whatever it answers. */
    static HttpResponse<String> post(DrspConfig config, String command, Map<String, Object> body, String requestId,
                                     Duration timeout) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + config.controller().http().port()
                        + "/api/v1/clusters/1/" + command))
                .timeout(timeout)
                .header("Authorization", "Bearer " + ApiToken.read(config.controller().tokenFile()).value())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (requestId != null) {
            request.header("X-Drsp-Request-Id", requestId);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
