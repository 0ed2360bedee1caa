package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.ApiToken;
import io.drsp.core.config.ControllerPeer;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.config.Endpoint;
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
import java.util.ArrayList;
import java.util.List;

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
    /**
     * With several controllers, how long a GET (status, a runbook's follow-up; each answered within seconds) may wait:
     * a paused controller still accepts connections (the kernel does) and never answers, and the next one should be
     * asked instead.
     */
    private static final Duration GET_TIMEOUT_OF_SEVERAL = Duration.ofSeconds(30);
    /** How long one of several controllers may take to answer a request that needs nothing before it is passed over. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(3);
    /** How long the CLI keeps looking for a controller that answers, with several configured. */
    static final Duration TAKEOVER_WAIT = Duration.ofSeconds(90);
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
        return answers(config.controller().http(), Duration.ofSeconds(2));
    }

    /** The controller at {@code h} answers a request that needs nothing (the list of clusters) within {@code within}. */
    private boolean answers(Endpoint h, Duration within) {
        try {
            HttpURLConnection c = open(h, "clusters", within);
            c.setConnectTimeout((int) within.toMillis());
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

    private URL url(Endpoint h, String path) throws IOException {
        return new URL(io.drsp.core.config.ApiTransport.scheme(config), h.host(), h.port(), "/api/v1/" + path);
    }

    private javax.net.ssl.SSLContext tls;

    private javax.net.ssl.SSLContext tls() {
        if (tls == null) {
            tls = io.drsp.core.config.ApiTransport.client(config).orElseThrow();
        }
        return tls;
    }

    private HttpURLConnection open(String path, Duration readTimeout) throws IOException {
        return open(config.controller().http(), path, readTimeout);
    }

    private HttpURLConnection open(Endpoint at, String path, Duration readTimeout) throws IOException {
        HttpURLConnection c = (HttpURLConnection) url(at, path).openConnection();
        if (c instanceof javax.net.ssl.HttpsURLConnection https) {
            https.setSSLSocketFactory(tls().getSocketFactory()); // the controllers' certificates chain to drsp.tls.api's trust store
        }
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

    /**
     * One controller answers: the configured one, or with several controllers the first that does. A request that
     * never reached a controller (connection refused) goes to the next one, as does one a controller answered with
     * 503 because no controller drives the pair at the moment (a takeover under way). A request whose answer was lost
     * (the controller died meanwhile) is sent again too: a GET changes nothing, and a command carries one request id
     * in every sending, so the controller answers it by the runbook it started, running or ended (PairProtocol.Requested),
     * rather than refuse it in the modes that runbook left. Rounds over all controllers go on for at most
     * {@link #TAKEOVER_WAIT}, the time a takeover needs with some margin.
     */
    private JsonNode send(String method, String path, byte[] body) {
        ApiToken token = token();
        // One id per command, the same in every resend: the controller answers a resend by the runbook the first started.
        String requestId = method.equals("GET") ? null : java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        List<ControllerPeer> peers = config.controller().peers();
        if (peers.size() == 1) {
            try {
                return sendTo(peers.get(0).http(), method, path, body, requestId, token, REQUEST_TIMEOUT);
            } catch (Lost e) {
                throw new CommandRefused("talking to the drsp controller failed: " + e.getMessage());
            }
        }
        long deadline = System.nanoTime() + TAKEOVER_WAIT.toNanos();
        List<String> tried = new ArrayList<>();
        while (true) {
            tried.clear();
            for (ControllerPeer peer : peers) {
                // A paused controller (a long GC pause, SIGSTOP) still accepts connections and never answers: a
                // request that needs nothing tells it apart before the command is sent there.
                if (!answers(peer.http(), PROBE_TIMEOUT)) {
                    tried.add(peer.name() + ": does not answer at " + peer.http().host() + ":" + peer.http().port());
                    continue;
                }
                try {
                    return sendTo(peer.http(), method, path, body, requestId, token, method.equals("GET") ? GET_TIMEOUT_OF_SEVERAL : REQUEST_TIMEOUT);
                } catch (NotReached | Unavailable e) {
                    tried.add(peer.name() + ": " + e.getMessage());
                } catch (Lost e) {
                    // Sent again with the same request id, a command that started a runbook is answered by that
                    // runbook, joined while it runs or with how it ended; one that never arrived is judged anew.
                    if (!method.equals("GET")) {
                        System.err.println("drsp: the answer of controller " + peer.name() + " was lost (" + e.getMessage()
                                + "); sending the command again, which is answered by the runbook it started if it did");
                    }
                    tried.add(peer.name() + ": " + e.getMessage());
                }
            }
            if (System.nanoTime() > deadline) {
                throw new CommandRefused("no drsp controller answered within " + TAKEOVER_WAIT.toSeconds() + " s: "
                        + String.join("; ", tried) + ".");
            }
            try {
                Thread.sleep(500); // the next round, polling with the deadline above
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CommandRefused("interrupted while looking for a drsp controller");
            }
        }
    }

    private JsonNode sendTo(Endpoint h, String method, String path, byte[] body, String requestId, ApiToken token,
                            Duration readTimeout) {
        int code;
        String text;
        try {
            HttpURLConnection c = open(h, path, readTimeout);
            c.setRequestMethod(method);
            c.setRequestProperty("Authorization", "Bearer " + token.value());
            if (requestId != null) {
                c.setRequestProperty(REQUEST_ID_HEADER, requestId);
            }
            try (Watchdog watchdog = config.controller().highlyAvailable() ? new Watchdog(h, c) : null) {
                if (body != null) {
                    c.setDoOutput(true);
                    c.setRequestProperty("Content-Type", "application/json");
                    c.setFixedLengthStreamingMode(body.length);
                    try (OutputStream out = c.getOutputStream()) {
                        out.write(body);
                    }
                }
                code = c.getResponseCode();
            } catch (ConnectException e) {
                throw e;
            } catch (IOException e) {
                throw new Lost(e.getMessage());
            }
            text = readBody(c, code);
        } catch (ConnectException e) {
            throw new NotReached("the drsp controller is not running at " + h.host() + ":" + h.port()
                    + "; start it with 'drsp controller --daemon --config " + config.file() + "'.");
        } catch (IOException e) {
            throw new CommandRefused("talking to the drsp controller failed: " + e.getMessage());
        }
        if (code == 401) {
            // The controller's own sentence tells an HTTP client to send a token; the CLI did, from the file.
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
        if (code == 503 && json.path("title").asText("").equals(NO_OWNER_TITLE)) {
            throw new Unavailable(json.path("detail").asText("no controller drives the pair"));
        }
        if (code == 502 && json.path("title").asText("").equals(ANSWER_LOST_TITLE)) {
            throw new Lost(json.path("detail").asText("the answer was lost"));
        }
        if (code / 100 != 2) {
            throw new CommandRefused(json.path("detail").asText("the controller answered HTTP " + code));
        }
        return json;
    }

    /** The answer's body, which HttpURLConnection hands out on another stream for 4xx and 5xx. */
    private static String readBody(HttpURLConnection c, int code) throws IOException {
        try (InputStream in = code >= 400 ? c.getErrorStream() : c.getInputStream()) {
            return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * While a request waits for one of several controllers, checks every few seconds that this controller still answers
     * a request that needs nothing; after two checks without an answer (the process is paused or cut off; the kernel
     * keeps the connection open) it drops the connection, so the wait ends as a lost answer and the next controller is
     * asked. A command that legitimately takes minutes is not cut short, as its controller goes on answering checks.
     */
    private final class Watchdog implements AutoCloseable {
        private final Thread thread;

        Watchdog(Endpoint h, HttpURLConnection waiting) {
            thread = new Thread(() -> {
                int silent = 0;
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        Thread.sleep(WATCH_EVERY.toMillis());
                        silent = answers(h, PROBE_TIMEOUT) ? 0 : silent + 1;
                        if (silent >= 2) {
                            waiting.disconnect();
                            return;
                        }
                    }
                } catch (InterruptedException done) {
                    // the answer came
                }
            }, "drsp-controller-watchdog");
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void close() {
            thread.interrupt();
        }
    }

    private static final Duration WATCH_EVERY = Duration.ofSeconds(5);

    /** The header of a command's id (ControllerApi.REQUEST_ID). */
    static final String REQUEST_ID_HEADER = "X-Drsp-Request-Id";
    /** The title of the API's 503 while no controller drives the pairs (ControllerApi says so in the same words). */
    static final String NO_OWNER_TITLE = "no controller drives the pairs";
    /** The title of the API's 502 when the controller a request was passed on to died before answering. */
    static final String ANSWER_LOST_TITLE = "answer lost";

    /** The request never reached the controller: another may take it. */
    static final class NotReached extends CommandRefused {
        NotReached(String sentence) {
            super(sentence);
        }
    }

    /** The controller took the request but no controller drives the pair now: nothing was done. */
    static final class Unavailable extends CommandRefused {
        Unavailable(String sentence) {
            super(sentence);
        }
    }

    /** The request was sent but its answer never came: it may have been done. */
    static final class Lost extends RuntimeException {
        Lost(String what) {
            super(what);
        }
    }

    /** The controller refused or failed; its sentence is what the DBA reads. */
    static class CommandRefused extends RuntimeException {
        CommandRefused(String sentence) {
            super(sentence);
        }
    }
}
