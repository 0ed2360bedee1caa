package io.drsp.controller;

import io.drsp.agent.ClusterRoles;
import io.drsp.agent.NodeAgent;
import io.drsp.agent.NodeKey;
import io.drsp.agent.NodeOps;
import io.drsp.agent.Topology;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.DrspConfig;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running controller: the actor system (a Pekko cluster of one, which agents on database hosts may join), one
 * {@link PairEntity} per configured pair, a {@link NodeAgent} per instance unless that instance's agent runs
 * elsewhere, and the HTTP API.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    public static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

    private final ActorSystem<Void> system;
    private final ServerBinding binding;
    private final io.drsp.controller.metrics.MetricsServer metrics;
    /** How often each pair's status is collected for /metrics: a scrape reads the last one. */
    static final java.time.Duration METRICS_EVERY = java.time.Duration.ofSeconds(5);

    private Controller(ActorSystem<Void> system, ServerBinding binding, io.drsp.controller.metrics.MetricsServer metrics) {
        this.system = system;
        this.binding = binding;
        this.metrics = metrics;
    }

    /** The port /metrics listens on. */
    public int metricsPort() {
        return metrics.port();
    }

    /** Starts everything and returns once the API listens; {@code remoteAgents} are served by {@code drsp agent}. */
    public static Controller start(DrspConfig config, Set<NodeKey> remoteAgents) {
        Set<NodeKey> known = new java.util.HashSet<>();
        config.clusters().values().forEach(pair -> known.addAll(Topology.nodes(pair)));
        boolean ha = config.controller().highlyAvailable();
        if (ha) {
            // With several controllers every agent is a 'drsp agent' process in the cluster: in-process agents would
            // register once per controller, and would die with their controller, which the fencing relies on not doing.
            remoteAgents = known;
        }
        for (NodeKey key : remoteAgents) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("remote agent " + key + " is not a node of the configuration; nodes are "
                        + known.stream().map(NodeKey::toString).sorted().toList() + ".");
            }
        }
        var cs = config.controller();
        ControlDbSchema.ensure(ControlDbLogin.of(config));
        ApiToken token = ApiToken.loadOrCreate(cs.tokenFile());
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), ControllerSystemConfig.SYSTEM_NAME,
                ControllerSystemConfig.build(config));
        try {
            Cluster cluster = Cluster.get(system);
            if (!ha) {
                cluster.manager().tell(Join.create(cluster.selfMember().address()));
            } else {
                cluster.manager().tell(new org.apache.pekko.cluster.typed.JoinSeedNodes(SeedNodes.toJoin(config, token)));
            }
            Map<String, ActorRef<PairProtocol.Command>> entities = new LinkedHashMap<>();
            LocalEntities local = new LocalEntities();
            JournalWatch journal = new JournalWatch(ControlDbLogin.of(config),
                    org.apache.pekko.serialization.SerializationExtension.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(system)),
                    system.dispatchers().lookup(org.apache.pekko.actor.typed.DispatcherSelector.fromConfig("drsp.blocking-dispatcher")));
            for (ClusterPair pair : config.clusters().values()) {
                for (NodeKey key : Topology.nodes(pair)) {
                    if (remoteAgents.contains(key)) {
                        continue;
                    }
                    NodeOps ops = new NodeOps(key, Topology.endpoint(pair, key), config.user(pair.adminUser()),
                            config.user(pair.replicationUser()), config.tls().mysql());
                    system.systemActorOf(Behaviors.supervise(NodeAgent.create(ops)).onFailure(SupervisorStrategy.restart()),
                            "node-" + key.toString().replace('/', '-'), Props.empty());
                }
                // A failure inside the entity restarts it: it replays its journal and resumes the runbook it was running,
                // unless another controller took the pair over meanwhile (the held epoch outlives the restarts).
                Behavior<PairProtocol.Command> entity = Behaviors.setup(outer -> {
                    HeldEpoch held = new HeldEpoch();
                    return Behaviors.supervise(PairEntity.create(pair, config.sites(), config.timeZone(), STEP_TIMEOUT,
                            config.home().resolve("archive"), journal, held)).onFailure(SupervisorStrategy.restartWithBackoff(
                            java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(30), 0.2));
                });
                if (ha) {
                    // One entity per pair in the whole cluster, on the oldest controller that is up; when that one
                    // is downed, the next oldest starts it, and its recovery journals the takeover epoch.
                    entities.put(pair.id(), ClusterSingleton.get(system).init(SingletonActor.of(local.tracked(pair.id(), entity), "pair-" + pair.id())
                            .withSettings(ClusterSingletonSettings.create(system).withRole(ClusterRoles.CONTROLLER))));
                } else {
                    entities.put(pair.id(), system.systemActorOf(entity, "pair-" + pair.id(), Props.empty()));
                }
            }
            StoppedPairs stopped = new StoppedPairs();
            ControllerCluster controllers = new ControllerCluster(config.controller(), cluster, local);
            if (!ha) {
                awaitLocalAgents(system, config, entities, remoteAgents);
                system.systemActorOf(stopped.watcher(entities), "pair-watch", Props.empty());
            }
            ControllerApi api = new ControllerApi(config, entities, system, token, stopped, controllers);
            var server = Http.get(system).newServerAt(cs.http().host(), cs.http().port());
            var https = io.drsp.core.config.ApiTransport.server(config);
            if (https.isPresent()) {
                server = server.enableHttps(org.apache.pekko.http.javadsl.ConnectionContext.httpsServer(https.get()));
            }
            ServerBinding binding = server.bind(api.routes()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            log.info("drsp controller listening on {} ({}), clusters {}", binding.localAddress(),
                    io.drsp.core.config.ApiTransport.scheme(config), config.clusters().keySet());
            StatusCollector status = api.statusCollector();
            io.drsp.controller.metrics.MetricsServer metrics = io.drsp.controller.metrics.MetricsServer.start(cs.metrics(),
                    METRICS_EVERY, config.clusters().values(), pair -> !controllers.servesHere(pair.id())
                            // The pairs' entities run on the owner, which exports their figures; asking them from here
                            // would only send the same questions across the network.
                            ? java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("not the owner"))
                            : status.collect(pair, entities.get(pair.id()), false));
            return new Controller(system, binding, metrics);
        } catch (Exception e) {
            system.terminate();
            throw new IllegalStateException("the controller could not start: " + rootMessage(e), e);
        }
    }

    /**
     * The API opens only once every pair entity sees its local agents through the Receptionist: otherwise a command
     * sent right after start-up (as scripts do) would be refused for agents that are merely still registering.
     */
    private static void awaitLocalAgents(ActorSystem<Void> system, DrspConfig config, Map<String, ActorRef<PairProtocol.Command>> entities,
                                         Set<NodeKey> remoteAgents) throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        for (ClusterPair pair : config.clusters().values()) {
            Set<NodeKey> local = new java.util.HashSet<>(Topology.nodes(pair));
            local.removeAll(remoteAgents);
            while (true) {
                Map<NodeKey, ActorRef<NodeAgent.Command>> seen;
                try {
                    seen = org.apache.pekko.actor.typed.javadsl.AskPattern.<PairProtocol.Command, AgentDirectory>ask(
                            entities.get(pair.id()), PairProtocol.GetAgents::new, java.time.Duration.ofSeconds(5), system.scheduler())
                            .toCompletableFuture().get().agents();
                } catch (java.util.concurrent.ExecutionException e) {
                    seen = Map.of();
                }
                if (seen.keySet().containsAll(local)) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    Set<NodeKey> missing = new java.util.HashSet<>(local);
                    missing.removeAll(seen.keySet());
                    log.warn("cluster {}: agents {} not registered after 60 s; commands needing them will be refused",
                            pair.id(), missing);
                    break;
                }
                Thread.sleep(100);
            }
        }
    }

    public int httpPort() {
        return binding.localAddress().getPort();
    }

    public ActorSystem<Void> system() {
        return system;
    }

    /** Blocks until the actor system ends (SIGTERM runs Pekko's coordinated shutdown). */
    public void awaitTermination() {
        system.getWhenTerminated().toCompletableFuture().join();
    }

    @Override
    public void close() {
        metrics.close();
        try {
            binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("unbinding the API: {}", e.getMessage());
        }
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("actor system did not terminate within 30 s: {}", e.getMessage());
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
    }
}
