package io.drsp.controller;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.drsp.controller.recovery.RecoveryPlan;
import io.drsp.controller.recovery.RecoveryPoint;
import io.drsp.controller.recovery.TargetSpec;
import io.drsp.controller.switchback.LaststampPlan;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.DrspConfig;
import io.drsp.core.config.Site;
import io.drsp.core.target.RecoveryTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The controller's HTTP API on 127.0.0.1: JSON in and out, every request authenticated with the bearer token, every
 * refusal a problem document whose {@code detail} is the one sentence the CLI prints.
 */
final class ControllerApi extends AllDirectives {
    /**
     * The bound of a command the entity answers itself (relaytime, dry runs, drill planning). A runbook's command is
     * answered within seconds, done or running, and is then followed through {@code runbooks/<id>}, each request
     * waiting at most {@link RunbookWaiters.MAX_WAIT}: a recovery may run for hours, an HTTP request may not.
     */
    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(10);

    /** A runbook that goes on (HTTP 202): follow it at {@code clusters/<cluster>/runbooks/<runbookId>}. */
    record Running(String cluster, String runbookId, boolean running, String progress, String message) {
    }

    /** A refusal or failure: {@code status} is the HTTP code, {@code detail} the sentence for the DBA. */
    record Problem(String title, int status, String detail) {
    }

    /** What a command that ran answers; {@code plan} for relaytime and recover, {@code recoveryPoint} once recovered. */
    record CommandResult(String cluster, String message, Mode drMode, ProductionMode productionMode, Integer delaySeconds,
                         RecoveryPlan plan, RecoveryPoint recoveryPoint, LaststampPlan laststamp) {
    }

    private final DrspConfig config;
    private final java.util.Optional<javax.net.ssl.SSLContext> clientTls;
    private final Map<String, ActorRef<PairProtocol.Command>> entities;
    private final ActorSystem<?> system;
    private final ApiToken token;
    private final StatusCollector status;
    private final StoppedPairs stopped;
    private final ControllerCluster controllers;
    private final ObjectMapper json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    ControllerApi(DrspConfig config, Map<String, ActorRef<PairProtocol.Command>> entities, ActorSystem<?> system, ApiToken token,
                  StoppedPairs stopped, ControllerCluster controllers) {
        this.clientTls = io.drsp.core.config.ApiTransport.client(config);
        this.config = config;
        this.controllers = controllers;
        this.stopped = stopped;
        this.entities = entities;
        this.system = system;
        this.token = token;
        this.status = new StatusCollector(system, Duration.ofSeconds(10), new RunbookTimings(ControlDbLogin.of(config),
                system.dispatchers().lookup(
                        org.apache.pekko.actor.typed.DispatcherSelector.fromConfig("drsp.blocking-dispatcher"))));
    }

    /** The status the API answers with, also what the metrics are made of (one consistent-point search for both). */
    StatusCollector statusCollector() {
        return status;
    }

    /** RFC 9457's media type: a client (or a script with curl) can tell a refusal from an answer by its type alone. */
    static final ContentType PROBLEM_JSON = MediaTypes.applicationWithFixedCharset("problem+json", HttpCharsets.UTF_8).toContentType();

    Route routes() {
        return handleRejections(problemRejections(), this::apiRoutes);
    }

    /**
     * Pekko's own answers to requests no route takes (unknown path, wrong method, a body that is not the JSON
     * expected) are plain text; they become problem documents like every other refusal, their sentence kept.
     */
    private RejectionHandler problemRejections() {
        return RejectionHandler.defaultHandler().mapRejectionResponse(response -> {
            if (response.entity() instanceof HttpEntity.Strict strict && !strict.getContentType().equals(PROBLEM_JSON)) {
                String sentence = strict.getData().utf8String().strip();
                return response.withEntity(problemEntity(new Problem(response.status().reason(), response.status().intValue(),
                        sentence.isEmpty() ? response.status().reason() : sentence)));
            }
            return response;
        });
    }

    private HttpEntity.Strict problemEntity(Problem p) {
        try {
            return org.apache.pekko.http.javadsl.model.HttpEntities.create(PROBLEM_JSON, json.writeValueAsBytes(p));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Route apiRoutes() {
        return pathPrefix("api", () -> pathPrefix("v1", () -> optionalHeaderValueByName("Authorization", auth -> {
            if (!token.accepts(auth.orElse(null))) {
                return problem(StatusCodes.UNAUTHORIZED, "unauthorized", "the request has no valid token; send "
                        + "'Authorization: Bearer <token>' with the token from " + config.controller().tokenFile());
            }
            return concat(
                    path("clusters", () -> get(() -> complete(StatusCodes.OK, Map.of("clusters",
                            List.copyOf(config.clusters().keySet()), "controller", controllers.selfMember()), Jackson.marshaller(json)))),
                    pathPrefix("clusters", () -> pathPrefix(PathMatchers.segment(), id -> withPair(id, pair -> concat(
                            path("status", () -> get(() -> parameterOptional("fresh", fresh -> status(pair, fresh)))),
                            path("sync", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    sync(pair, body)))),
                            path("stopsync", () -> post(() -> run(pair, PairProtocol.StopSync::new))),
                            path(PathMatchers.segment("runbooks").slash(PathMatchers.segment()), runbookId -> get(() ->
                                    parameterOptional("waitSeconds", wait -> follow(pair, runbookId, wait)))),
                            path("relaytime", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    relaytime(pair, body)))),
                            path("recover", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    run(pair, r -> new PairProtocol.Recover(dryRun(body), r))))),
                            path("service", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    withSite(body, site -> run(pair, r -> new PairProtocol.Service(site, r)))))),
                            path("stopservice", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    withSite(body, site -> run(pair, r -> new PairProtocol.StopService(body != null
                                            && body.path("resolvePrepared").asBoolean(false), dryRun(body), site, r)))))),
                            path("flashback", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    run(pair, r -> new PairProtocol.Flashback(dryRun(body), r))))),
                            path("laststamp", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    laststamp(pair, body)))),
                            path("dbproxy", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    withSite(body, site -> body == null || !body.path("action").isTextual()
                                            || !List.of("start", "stop").contains(body.path("action").asText())
                                            ? problem(StatusCodes.BAD_REQUEST, "bad action", "dbproxy needs --start or --stop;"
                                            + " nothing was changed.")
                                            : run(pair, r -> new PairProtocol.Dbproxy(site, body.path("action").asText().equals("start"),
                                            dryRun(body), r)))))),
                            path("switchback", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    switchback(pair, body)))),
                            path("drill", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    planDrill(pair, body)))),
                            path("purge", () -> post(() -> entity(Jackson.unmarshaller(json, JsonNode.class), body ->
                                    run(pair, r -> new PairProtocol.Purge(dryRun(body), r))))),
                            path("snapshots", () -> get(() -> onSuccess(AskPattern.ask(entities.get(pair.id()),
                                    PairProtocol.GetState::new, Duration.ofSeconds(10), system.scheduler()),
                                    st -> complete(StatusCodes.OK, Map.of("cluster", pair.id(), "snapshots", st.snapshots()),
                                            Jackson.marshaller(json))))))))));
        })));
    }

    /** {@code "site": "dr" | "production"}, DR when absent (what service and stopservice always meant). */
    private Route withSite(JsonNode body, java.util.function.Function<Site, Route> inner) {
        JsonNode site = body == null ? null : body.get("site");
        if (site == null || site.isNull()) {
            return inner.apply(Site.DR);
        }
        java.util.Optional<Site> known = site.isTextual() ? Site.fromConfigKey(site.asText()) : java.util.Optional.empty();
        if (known.isEmpty()) {
            return problem(StatusCodes.BAD_REQUEST, "bad site", "--site must be dr or production, got "
                    + (site.isTextual() ? "\"" + site.asText() + "\"" : site.toString()) + "; nothing was changed.");
        }
        return inner.apply(known.get());
    }

    /** {@code {"to": "yyyy-MM-dd HH:mm:ss" or "", "delaySeconds": D}}: the time is checked here, the window by relaytime. */
    private Route planDrill(ClusterPair pair, JsonNode body) {
        JsonNode delay = body == null ? null : body.get("delaySeconds");
        JsonNode to = body == null ? null : body.get("to");
        if (to == null || !to.isTextual()) {
            return problem(StatusCodes.BAD_REQUEST, "bad target", "a drill needs the time to recover to (or \"\" for all relay log).");
        }
        if (!to.asText().isBlank()) {
            try {
                RecoveryTarget.parseTime(to.asText(), config.timeZone());
            } catch (IllegalArgumentException e) {
                return problem(StatusCodes.BAD_REQUEST, "bad target", e.getMessage());
            }
        }
        if (!isDelay(delay)) {
            return badDelay(delay);
        }
        return run(pair, r -> new PairProtocol.PlanDrill(to.asText().strip(), delay.asInt(), r));
    }

    /** {@code {"dryRun": true, "delaySeconds": D}}; no delay means the cluster's own. */
    private Route switchback(ClusterPair pair, JsonNode body) {
        JsonNode delay = body == null ? null : body.get("delaySeconds");
        if (delay != null && !delay.isNull() && !isDelay(delay)) {
            return badDelay(delay);
        }
        Integer seconds = delay == null || delay.isNull() ? null : delay.asInt();
        return run(pair, r -> new PairProtocol.Switchback(dryRun(body), seconds, r));
    }

    /** {@code {"dryRun": true, "time": "yyyy-MM-dd HH:mm:ss[.ffffff]"}}; no time (or "") means the recovery point's. */
    private Route laststamp(ClusterPair pair, JsonNode body) {
        JsonNode time = body == null ? null : body.get("time");
        Long micros = null;
        String typed = null;
        if (time != null && !time.isNull()) {
            if (!time.isTextual()) {
                return problem(StatusCodes.BAD_REQUEST, "bad time", "the laststamp time must be text like 2024-01-01 10:00:00, got "
                        + time + ".");
            }
            try {
                if (RecoveryTarget.parseTime(time.asText(), config.timeZone()) instanceof RecoveryTarget.AtTime at) {
                    micros = at.time().getEpochSecond() * 1_000_000L + at.time().getNano() / 1000;
                    typed = at.asTyped();
                }
            } catch (IllegalArgumentException e) {
                return problem(StatusCodes.BAD_REQUEST, "bad time", e.getMessage());
            }
        }
        Long m = micros;
        String t = typed;
        return run(pair, r -> new PairProtocol.Laststamp(dryRun(body), m, t, r));
    }

    /** {@code GET runbooks/<id>?waitSeconds=N}: how the runbook ended, or 202 once N seconds (at most 30) passed. */
    private Route follow(ClusterPair pair, String runbookId, java.util.Optional<String> waitSeconds) {
        long seconds = 0;
        if (waitSeconds.isPresent()) {
            try {
                seconds = Long.parseLong(waitSeconds.get().strip());
            } catch (NumberFormatException e) {
                return problem(StatusCodes.BAD_REQUEST, "bad wait", "waitSeconds must be a whole number of seconds, got \""
                        + waitSeconds.get() + "\".");
            }
        }
        Duration wait = Duration.ofSeconds(Math.max(0, Math.min(seconds, RunbookWaiters.MAX_WAIT.toSeconds())));
        return run(pair, r -> new PairProtocol.AwaitRunbook(runbookId, wait, r));
    }

    private static boolean isDelay(JsonNode delay) {
        return delay != null && delay.isIntegralNumber() && delay.canConvertToInt() && delay.asInt() >= 0;
    }

    private Route badDelay(JsonNode delay) {
        return problem(StatusCodes.BAD_REQUEST, "bad delay", "the delay must be a whole number of seconds, 0 or more, got "
                + (delay == null ? "none" : delay.toString()) + ".");
    }

    private static boolean dryRun(JsonNode body) {
        return body != null && body.path("dryRun").asBoolean(false);
    }

    private Route withPair(String id, Function<ClusterPair, Route> inner) {
        ClusterPair pair;
        try {
            pair = config.cluster(id);
        } catch (IllegalArgumentException e) {
            return problem(StatusCodes.NOT_FOUND, "unknown cluster", e.getMessage());
        }
        if (!controllers.servesHere(pair.id())) {
            return forwardToOwner(pair);
        }
        if (stopped.contains(pair.id())) {
            return problem(StatusCodes.SERVICE_UNAVAILABLE, "not driven here", "this controller no longer drives cluster "
                    + pair.id() + ": another controller took it over under a later epoch (this controller's log names it);"
                    + " send the command to that one. Nothing was changed.");
        }
        return inner.apply(pair);
    }

    /**
     * The client's id of a command (PairProtocol.Requested), so that the same command sent again after a lost answer is
     * answered by the runbook it started; ControllerClient.REQUEST_ID_HEADER.
     */
    static final String REQUEST_ID = "X-Drsp-Request-Id";
    /** Marks a request one controller passed to another, which must serve it or refuse: never pass it on again. */
    static final String FORWARDED_BY = "X-Drsp-Forwarded-By";
    /** The problem title the CLI knows means "nothing was done, ask again": ControllerClient.NO_OWNER_TITLE. */
    static final String NO_OWNER_TITLE = "no controller drives the pairs";
    /** The title the CLI knows means "the owner died before answering": ControllerClient.ANSWER_LOST_TITLE. */
    static final String ANSWER_LOST_TITLE = "answer lost";

    /**
     * Every controller serves the API; a pair's commands and status are answered by the controller its entity runs on,
     * so another passes the request on as it came (same token, path, query and body) and returns that answer.
     */
    private Route forwardToOwner(ClusterPair pair) {
        java.util.Optional<io.drsp.core.config.ControllerPeer> owner = controllers.owner();
        return optionalHeaderValueByName(FORWARDED_BY, by -> {
            // The owner is this controller while its entity is still starting here (a takeover), or no controller
            // is up as owner: either way nothing can serve the request now, and the CLI asks again.
            if (owner.isEmpty() || by.isPresent() || owner.get().equals(controllers.self())) {
                return problem(StatusCodes.SERVICE_UNAVAILABLE, NO_OWNER_TITLE, "no controller drives cluster " + pair.id()
                        + " at the moment (a takeover is under way, or fewer than a majority of the controllers are up: "
                        + describe(controllers.members()) + "); nothing was changed, try again.");
            }
            if (!controllers.isReachableOwner(owner.get())) {
                return problem(StatusCodes.SERVICE_UNAVAILABLE, NO_OWNER_TITLE, "controller " + owner.get().name() + ", which drives"
                        + " cluster " + pair.id() + ", is unreachable (a takeover follows if it stays so); nothing was changed, try again.");
            }
            var at = owner.get().http();
            return toStrictEntity(scala.concurrent.duration.FiniteDuration.create(10, java.util.concurrent.TimeUnit.SECONDS), () -> extractRequest(request -> {
                var uri = request.getUri().scheme(io.drsp.core.config.ApiTransport.scheme(config)).host(at.host()).port(at.port());
                var out = request.withUri(uri).removeHeader("Host").removeHeader("Timeout-Access")
                        .addHeader(org.apache.pekko.http.javadsl.model.headers.RawHeader.create(FORWARDED_BY, controllers.self().name()));
                return onComplete(whileOwner(owner.get(), forward(out).toCompletableFuture()), result -> {
                    if (result.isSuccess()) {
                        return complete(result.get());
                    }
                    if (refusedConnection(result.failed().get())) {
                        return problem(StatusCodes.SERVICE_UNAVAILABLE, NO_OWNER_TITLE, "controller " + owner.get().name()
                                + ", which drives cluster " + pair.id() + ", does not answer (a takeover is under way);"
                                + " nothing was changed, try again.");
                    }
                    return problem(StatusCodes.BAD_GATEWAY, ANSWER_LOST_TITLE, "controller " + owner.get().name() + ", which drives cluster "
                            + pair.id() + ", took the request but its answer was lost (" + result.failed().get().getMessage()
                            + "), so it may have started; look at drsp status before giving it again.");
                });
            }));
        });
    }

    /** The request sent on to the owner, over HTTPS verified against drsp.tls.api's trust store when it is set. */
    private CompletionStage<HttpResponse> forward(org.apache.pekko.http.javadsl.model.HttpRequest out) {
        return clientTls.isPresent()
                ? Http.get(system).singleRequest(out, org.apache.pekko.http.javadsl.ConnectionContext.httpsClient(clientTls.get()))
                : Http.get(system).singleRequest(out);
    }

    /**
     * {@code answer}, unless {@code owner} stops being the reachable owner first: a paused owner keeps the connection
     * open and never answers, and the CLI should be told at once that the answer is lost so it asks again.
     */
    private java.util.concurrent.CompletableFuture<HttpResponse> whileOwner(io.drsp.core.config.ControllerPeer owner,
                                                                           java.util.concurrent.CompletableFuture<HttpResponse> answer) {
        java.util.concurrent.CompletableFuture<HttpResponse> result = new java.util.concurrent.CompletableFuture<>();
        org.apache.pekko.actor.Cancellable watch = system.scheduler().scheduleWithFixedDelay(Duration.ofSeconds(1),
                Duration.ofSeconds(1), () -> {
                    if (!controllers.isReachableOwner(owner)) {
                        result.completeExceptionally(new IllegalStateException("controller " + owner.name()
                                + " became unreachable or stopped driving before it answered"));
                    }
                }, system.executionContext());
        answer.whenComplete((r, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else if (!result.complete(r)) {
                r.discardEntityBytes(system);
            }
        });
        result.whenComplete((r, e) -> watch.cancel());
        return result;
    }

    private static boolean refusedConnection(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.ConnectException || String.valueOf(c.getMessage()).contains("Connection refused")) {
                return true;
            }
        }
        return false;
    }

    static String describe(List<ControllerMember> members) {
        return String.join(", ", members.stream().map(m -> m.name() + " " + m.status() + (m.reachable() ? "" : ", unreachable")
                + (m.drives() ? ", drives" : "")).toList());
    }

    private Route sync(ClusterPair pair, JsonNode body) {
        JsonNode delay = body == null ? null : body.get("delaySeconds");
        if (!isDelay(delay)) {
            return badDelay(delay);
        }
        int seconds = delay.asInt();
        return run(pair, replyTo -> new PairProtocol.Sync(seconds, replyTo));
    }

    /** {@code {"time": "..."}} (an empty time means all relay log, as bat_mod_relaytime.sh 1 "" does), {@code {"all": true}}, or {@code {"gtid": "..."}}. */
    private Route relaytime(ClusterPair pair, JsonNode body) {
        TargetSpec target;
        try {
            if (body != null && body.hasNonNull("gtid")) {
                target = TargetSpec.of(RecoveryTarget.parseGtids(body.get("gtid").asText()));
            } else if (body != null && body.hasNonNull("time")) {
                target = TargetSpec.of(RecoveryTarget.parseTime(body.get("time").asText(), config.timeZone()));
            } else if (body != null && body.path("all").asBoolean(false)) {
                target = TargetSpec.of(new RecoveryTarget.AllRelayLog());
            } else {
                return problem(StatusCodes.BAD_REQUEST, "bad target", "a recovery target is a time, all retrieved relay log, "
                        + "or a GTID set; none was given.");
            }
        } catch (IllegalArgumentException e) {
            return problem(StatusCodes.BAD_REQUEST, "bad target", e.getMessage());
        }
        TargetSpec t = target;
        return run(pair, r -> new PairProtocol.SetTarget(t, r));
    }

    private Route run(ClusterPair pair, Function<ActorRef<PairProtocol.Reply>, PairProtocol.Command> command) {
        return optionalHeaderValueByName(REQUEST_ID, id -> {
            if (id.isPresent() && !PairProtocol.REQUEST_ID.matcher(id.get()).matches()) {
                return problem(StatusCodes.BAD_REQUEST, "bad request id", REQUEST_ID + " must be 8 to 32 lowercase letters and"
                        + " digits, one per command (sent again unchanged only when the answer was lost); nothing was changed.");
            }
            return askEntity(pair, id.<Function<ActorRef<PairProtocol.Reply>, PairProtocol.Command>>map(i ->
                    r -> new PairProtocol.Requested(i, r, command.apply(r))).orElse(command));
        });
    }

    private Route askEntity(ClusterPair pair, Function<ActorRef<PairProtocol.Reply>, PairProtocol.Command> command) {
        CompletionStage<PairProtocol.Reply> reply = AskPattern.ask(entities.get(pair.id()), command::apply, COMMAND_TIMEOUT,
                system.scheduler());
        return onComplete(reply, result -> {
            if (result.isFailure() && controllers.highlyAvailable() && !controllers.servesHere(pair.id())) {
                // The entity left this controller (handed over, taken over) before it answered: the command may have
                // reached it, and sent again it joins the runbook it started.
                return problem(StatusCodes.BAD_GATEWAY, ANSWER_LOST_TITLE, "cluster " + pair.id() + " was handed over to another"
                        + " controller before it answered, so the command may have started; look at drsp status before giving it again.");
            }
            if (result.isFailure()) {
                return problem(StatusCodes.GATEWAY_TIMEOUT, "no answer", "cluster " + pair.id() + " did not finish within "
                        + COMMAND_TIMEOUT.toMinutes() + " minutes; see 'drsp status " + pair.id() + "'.");
            }
            PairProtocol.Reply r = result.get();
            if (r instanceof PairProtocol.Reply.Running running) {
                return complete(StatusCodes.ACCEPTED, new Running(pair.id(), running.runbookId(), true, running.progress(),
                        "DR cluster " + pair.id() + " is running " + (running.progress().isEmpty() ? running.runbookId()
                        : running.progress()) + "."), Jackson.marshaller(json));
            }
            if (r instanceof PairProtocol.Reply.Done d) {
                return complete(StatusCodes.OK, new CommandResult(pair.id(), d.message(), d.state().drMode(),
                        d.state().productionMode(), d.state().delaySeconds(), d.plan(), d.state().recoveryPoint(), d.laststamp()),
                        Jackson.marshaller(json));
            }
            PairProtocol.Reply.Refused refused = (PairProtocol.Reply.Refused) r;
            StatusCode code = switch (refused.why()) {
                case WRONG_MODE, BUSY -> StatusCodes.CONFLICT;
                case BAD_INPUT -> StatusCodes.BAD_REQUEST;
                case FAILED -> StatusCodes.BAD_GATEWAY;
            };
            return problem(code, refused.why().name().toLowerCase().replace('_', ' '), refused.reason());
        });
    }

    /** {@code fresh=true}: an exact status, the CLI's; without it a bounded one, what monitoring polls (LastLooks). */
    private Route status(ClusterPair pair, java.util.Optional<String> fresh) {
        if (fresh.isPresent() && !fresh.get().equals("true") && !fresh.get().equals("false")) {
            return problem(StatusCodes.BAD_REQUEST, "bad fresh", "fresh must be true or false, got \"" + fresh.get() + "\".");
        }
        return onComplete(status.collect(pair, entities.get(pair.id()), fresh.map("true"::equals).orElse(false)), result -> {
            if (result.isSuccess()) {
                return complete(StatusCodes.OK, result.get().withControllers(controllers.members()), Jackson.marshaller(json));
            }
            if (controllers.highlyAvailable()) {
                // The entity was handed over to another controller while this one asked it (a restart, a takeover).
                return problem(StatusCodes.SERVICE_UNAVAILABLE, NO_OWNER_TITLE, "cluster " + pair.id() + " is being handed over"
                        + " between controllers (" + describe(controllers.members()) + "); try again.");
            }
            return problem(StatusCodes.INTERNAL_SERVER_ERROR, "no status", "the status of cluster " + pair.id()
                    + " could not be collected: " + result.failed().get().getMessage());
        });
    }

    private Route problem(StatusCode code, String title, String detail) {
        return complete(HttpResponse.create().withStatus(code).withEntity(problemEntity(new Problem(title, code.intValue(), detail))));
    }
}
