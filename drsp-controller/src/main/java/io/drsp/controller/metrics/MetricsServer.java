package io.drsp.controller.metrics;

import io.drsp.controller.PairStatus;
import io.drsp.core.config.ClusterPair;
import io.drsp.core.config.Endpoint;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The controller's {@code /metrics}, in Prometheus' text format through the Prometheus client library's own HTTP
 * server: its own host, port and threads, so a scrape is answered while a runbook keeps the actor system busy. Each
 * pair's status is collected in the background every {@code every} (never two collections of one pair at once) and
 * kept; a scrape only reads what was kept.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    private final HTTPServer http;
    private final ScheduledExecutorService collector;

    private MetricsServer(HTTPServer http, ScheduledExecutorService collector) {
        this.http = http;
        this.collector = collector;
    }

    public static MetricsServer start(Endpoint at, Duration every, Collection<ClusterPair> pairs,
                                      Function<ClusterPair, CompletionStage<PairStatus>> status) {
        PrometheusRegistry registry = new PrometheusRegistry();
        JvmMetrics.builder().register(registry);
        StatusMetrics metrics = new StatusMetrics();
        registry.register(metrics);
        registry.register(JournalMetrics.WRITE);
        HTTPServer http;
        try {
            http = HTTPServer.builder().hostname(at.host()).port(at.port()).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for /metrics on " + at + " (drsp.controller.metrics): " + e.getMessage(), e);
        }
        ScheduledExecutorService collector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "drsp-metrics-collector");
            t.setDaemon(true);
            return t;
        });
        Map<String, Boolean> running = new ConcurrentHashMap<>();
        collector.scheduleWithFixedDelay(() -> {
            for (ClusterPair pair : pairs) {
                if (running.putIfAbsent(pair.id(), true) != null) {
                    continue; // the last collection of this pair still waits for a slow shard
                }
                try {
                    status.apply(pair).whenComplete((s, e) -> {
                        running.remove(pair.id());
                        if (s != null) {
                            metrics.record(s);
                        } else {
                            log.debug("cluster {}: status for metrics not collected: {}", pair.id(), String.valueOf(e));
                        }
                    });
                } catch (RuntimeException e) {
                    running.remove(pair.id());
                    log.debug("cluster {}: status for metrics not collected: {}", pair.id(), e.toString());
                }
            }
        }, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        log.info("drsp metrics on http://{}:{}/metrics", at.host(), http.getPort());
        return new MetricsServer(http, collector);
    }

    public int port() {
        return http.getPort();
    }

    @Override
    public void close() {
        collector.shutdownNow();
        http.close();
    }
}
