package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.drsp.controller.metrics.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/grafana/drsp.json}, the dashboard SREs import: every panel's query (rows' nested panels included)
 * names only metrics the controller exports ({@link MetricNames#ALL}, or Prometheus' {@code up}), is scoped to the
 * dashboard's {@code cluster} variable, and parses as PromQL (the real {@code promtool}); the variable is filled from
 * {@code drsp_mode_info}; and the dashboard shows the figures issue #13 asks for: modes, lag, backlog, the recoverable
 * window, RPO, RTO and runbook progress, among others. No MySQL needed.
 */
class DashboardTest {
    static final Path DASHBOARD = Scripts.ROOT.resolve("deploy/grafana/drsp.json");

    /** What the dashboard must show, by the metrics that show it. */
    static final List<String> SHOWN = List.of(
            MetricNames.MODE_INFO,                                              // both sites' modes
            MetricNames.SHARD_UP,
            MetricNames.REPLICATION_LAG, MetricNames.REPLICATION_DELAY, MetricNames.REPLICATION_REMAINING_DELAY,
            MetricNames.REPLICATION_THREAD_RUNNING, MetricNames.REPLICATION_ERROR,
            MetricNames.RELAY_BACKLOG_TRANSACTIONS, MetricNames.RELAY_BACKLOG_BYTES, MetricNames.RELAY_LOG_DISK_BYTES,
            MetricNames.RECOVERABLE_WINDOW_START, MetricNames.RECOVERABLE_WINDOW_END,
            MetricNames.RPO, MetricNames.RTO_ESTIMATE,
            MetricNames.XA_PREPARED_BRANCHES,
            MetricNames.RUNBOOK_STEP_INFO, MetricNames.RUNBOOK_PROGRESS_RATIO, MetricNames.RUNBOOK_LAST_RESULT,
            MetricNames.AGENTS_EXPECTED, MetricNames.AGENTS_REGISTERED, MetricNames.AGENTS_DUPLICATE);

    @Test
    void everyQueryNamesOnlyExportedMetrics() {
        List<String> exprs = exprs(dashboard());
        assertFalse(exprs.isEmpty(), "no panel query in " + DASHBOARD);
        for (String expr : exprs) {
            for (String token : PromQl.drspTokens(expr)) {
                assertTrue(MetricNames.ALL.contains(token), "the dashboard queries " + token
                        + ", which drsp does not export (MetricNames.ALL): " + expr);
            }
            Set<String> names = PromQl.metricNames(expr);
            assertFalse(names.isEmpty(), "a query that reads no metric: " + expr);
            for (String name : names) {
                assertTrue(MetricNames.ALL.contains(name) || name.equals("up"),
                        "the dashboard queries " + name + ", which drsp does not export: " + expr);
            }
        }
    }

    @Test
    void everyQueryIsScopedToTheClusterVariable() {
        for (String expr : exprs(dashboard())) {
            assertTrue(expr.contains("cluster=\"$cluster\""), "a query that ignores the cluster variable: " + expr);
        }
    }

    @Test
    void theClusterVariableListsDrspClusters() {
        JsonNode cluster = null;
        for (JsonNode v : dashboard().path("templating").path("list")) {
            if ("cluster".equals(v.path("name").asText())) {
                cluster = v;
            }
        }
        assertTrue(cluster != null, "no template variable named cluster in " + DASHBOARD);
        assertEquals("query", cluster.path("type").asText());
        JsonNode query = cluster.path("query");
        String q = query.isTextual() ? query.asText() : query.path("query").asText();
        assertEquals("label_values(drsp_mode_info, cluster)", q.replace(" ", "").replace(",", ", "));
    }

    @Test
    void theDashboardShowsModesLagBacklogWindowRpoRtoAndRunbooks() {
        Set<String> used = new LinkedHashSet<>();
        exprs(dashboard()).forEach(e -> used.addAll(PromQl.drspTokens(e)));
        Set<String> missing = new TreeSet<>(SHOWN);
        missing.removeAll(used);
        assertEquals(Set.of(), missing, "figures the dashboard does not show");
        assertTrue(dashboard().path("schemaVersion").asInt() >= 36, "schemaVersion: Grafana 9 or later");
    }

    @Test
    void everyQueryParsesAsPromQl() throws IOException {
        // promtool has no "check query": each query, with the variable filled in, becomes a recording rule it checks.
        List<String> exprs = exprs(dashboard());
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            String expr = exprs.get(i).replace("$cluster", "1");
            rules.append("      - record: dashboard_query_").append(i + 1).append('\n')
                    .append("        expr: '").append(expr.replace("'", "''").replace("\n", " ")).append("'\n");
        }
        Path file = Files.createTempFile("drsp-dashboard-queries", ".yml");
        try {
            Files.writeString(file, rules);
            Cli.Result r = Promtool.run("check", "rules", file.toString());
            assertEquals(0, r.exitCode(), r + "\n" + rules);
            assertTrue(r.out().contains("SUCCESS: " + exprs.size() + " rules found"), r.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new AssertionError("cannot read " + DASHBOARD, e);
        }
    }

    /** Every target's expr of every panel, rows' nested panels included. */
    static List<String> exprs(JsonNode dashboard) {
        List<String> exprs = new ArrayList<>();
        collect(dashboard.path("panels"), exprs);
        return exprs;
    }

    private static void collect(JsonNode panels, List<String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    exprs.add(target.get("expr").asText());
                }
            }
            collect(panel.path("panels"), exprs);
        }
    }
}
