package io.drsp.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.controller.metrics.MetricNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/prometheus/drsp-alerts.yml} is what SREs load into Prometheus: the real {@code promtool} accepts it and
 * passes its unit tests ({@code drsp-alerts-test.yml}), every alert has a case where it fires and one where it stays
 * quiet, every expression reads only metrics the controller exports ({@link MetricNames#ALL}, or Prometheus' own
 * {@code up}), and each alert issue #13 asks for is there, reading the metrics it is about. No MySQL needed.
 * The YAML is read with a line scan (the tests module has no YAML library): the files keep one key per line.
 */
class AlertRulesTest {
    static final Path RULES = Scripts.ROOT.resolve("deploy/prometheus/drsp-alerts.yml");
    static final Path RULE_TESTS = Scripts.ROOT.resolve("deploy/prometheus/drsp-alerts-test.yml");

    /** Each alert drsp promises, with the metrics its expression must read. */
    static final Map<String, Set<String>> REQUIRED = new LinkedHashMap<>();

    static {
        REQUIRED.put("DrspReplicationLagBeyondDelay", Set.of(MetricNames.REPLICATION_LAG, MetricNames.MODE_INFO));
        REQUIRED.put("DrspReplicationThreadStopped", Set.of(MetricNames.REPLICATION_THREAD_RUNNING, MetricNames.MODE_INFO));
        REQUIRED.put("DrspReplicationError", Set.of(MetricNames.REPLICATION_ERROR));
        REQUIRED.put("DrspRelayLogDiskHigh", Set.of(MetricNames.RELAY_LOG_DISK_BYTES));
        REQUIRED.put("DrspRelayLogWouldFillDisk", Set.of(MetricNames.RELAY_LOG_PROJECTED_BYTES, MetricNames.RELAY_LOG_DISK_BYTES,
                MetricNames.RELAY_LOG_DISK_FREE_BYTES));
        REQUIRED.put("DrspRecoverableWindowShorterThanDelay", Set.of(MetricNames.RECOVERABLE_WINDOW_START,
                MetricNames.RECOVERABLE_WINDOW_END, MetricNames.REPLICATION_DELAY, MetricNames.MODE_INFO));
        REQUIRED.put("DrspRpoAboveBound", Set.of(MetricNames.RPO));
        REQUIRED.put("DrspRunbookFailed", Set.of(MetricNames.RUNBOOK_LAST_RESULT));
        REQUIRED.put("DrspAgentMissing", Set.of(MetricNames.AGENTS_REGISTERED, MetricNames.AGENTS_EXPECTED));
        REQUIRED.put("DrspAgentDuplicate", Set.of(MetricNames.AGENTS_DUPLICATE));
        REQUIRED.put("DrspShardDown", Set.of(MetricNames.SHARD_UP));
        REQUIRED.put("DrspMetricsStale", Set.of(MetricNames.LAST_COLLECTION));
        REQUIRED.put("DrspControllerAbsent", Set.of(MetricNames.MODE_INFO));
    }

    @Test
    void promtoolAcceptsTheRules() {
        Cli.Result r = Promtool.run("check", "rules", Scripts.ROOT.relativize(RULES).toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("SUCCESS: " + alerts().size() + " rules found"), r.toString());
    }

    @Test
    void promtoolUnitTestsPass() {
        Cli.Result r = Promtool.run("test", "rules", Scripts.ROOT.relativize(RULE_TESTS).toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("SUCCESS"), r.toString());
    }

    @Test
    void everyAlertIsTestedFiringAndQuiet() {
        Map<String, Coverage> tested = ruleTests();
        List<String> missing = new ArrayList<>();
        for (String alert : alerts().keySet()) {
            Coverage c = tested.get(alert);
            if (c == null || !c.firing) {
                missing.add(alert + " (no case where it fires)");
            }
            if (c == null || !c.quiet) {
                missing.add(alert + " (no case where it stays quiet)");
            }
        }
        assertEquals(List.of(), missing, "alerts of " + RULES + " without their cases in " + RULE_TESTS);
        Set<String> unknown = new TreeSet<>(tested.keySet());
        unknown.removeAll(alerts().keySet());
        assertEquals(Set.of(), unknown, "cases in " + RULE_TESTS + " for alerts the rules do not have");
    }

    @Test
    void everyExpressionReadsOnlyExportedMetrics() {
        Map<String, String> alerts = alerts();
        assertFalse(alerts.isEmpty(), "no alert found in " + RULES);
        for (Map.Entry<String, String> a : alerts.entrySet()) {
            Set<String> names = PromQl.metricNames(a.getValue());
            assertFalse(names.isEmpty(), a.getKey() + " reads no metric: " + a.getValue());
            for (String name : names) {
                assertTrue(MetricNames.ALL.contains(name) || name.equals("up"),
                        a.getKey() + " reads " + name + ", which drsp does not export (MetricNames.ALL): " + a.getValue());
            }
            for (String token : PromQl.drspTokens(a.getValue())) {
                assertTrue(MetricNames.ALL.contains(token), a.getKey() + " names " + token + ", not in MetricNames.ALL");
            }
        }
    }

    @Test
    void everyPromisedAlertIsThere() {
        Map<String, String> alerts = alerts();
        for (Map.Entry<String, Set<String>> want : REQUIRED.entrySet()) {
            String expr = alerts.get(want.getKey());
            assertTrue(expr != null, "no alert " + want.getKey() + " in " + RULES);
            assertTrue(PromQl.metricNames(expr).containsAll(want.getValue()),
                    want.getKey() + " should read " + want.getValue() + ": " + expr);
        }
    }

    @Test
    void everyAlertHasForSeverityAndAnnotations() {
        List<String> lines = lines(RULES);
        for (String alert : alerts().keySet()) {
            List<String> block = ruleBlock(lines, alert);
            String text = String.join("\n", block);
            assertTrue(Pattern.compile("(?m)^\\s*for: ([0-9]+[smhdwy])+$").matcher(text).find(), alert + " has no for: duration");
            assertTrue(Pattern.compile("(?m)^\\s*severity: (critical|warning)$").matcher(text).find(),
                    alert + " has no severity label (critical or warning)");
            assertTrue(Pattern.compile("(?m)^\\s*summary: ").matcher(text).find(), alert + " has no summary");
            assertTrue(Pattern.compile("(?m)^\\s*description: ").matcher(text).find(), alert + " has no description");
            assertTrue(text.contains("drsp status") || text.contains("AllControl.sh -status"),
                    alert + "'s description should tell the DBA to look at drsp status");
        }
    }

    /** Each alert of the rules file with its expression, in file order. */
    static Map<String, String> alerts() {
        List<String> lines = lines(RULES);
        Map<String, String> alerts = new LinkedHashMap<>();
        Pattern alert = Pattern.compile("^\\s*(?:- )?alert:\\s*(\\S+)\\s*$");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = alert.matcher(lines.get(i));
            if (m.matches()) {
                String expr = expr(ruleBlock(lines, m.group(1)));
                assertTrue(expr != null, "alert " + m.group(1) + " has no expr");
                assertTrue(alerts.put(m.group(1), expr) == null, "alert " + m.group(1) + " appears twice");
            }
        }
        return alerts;
    }

    /** The lines of one rule: from its list item's dash to the next item at the same indentation or less. */
    private static List<String> ruleBlock(List<String> lines, String alert) {
        Pattern start = Pattern.compile("^(\\s*)(- )?alert:\\s*" + Pattern.quote(alert) + "\\s*$");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = start.matcher(lines.get(i));
            if (m.matches()) {
                int from = itemStart(lines, i, m.group(1).length() + (m.group(2) == null ? 0 : 2));
                return lines.subList(from, itemEnd(lines, from));
            }
        }
        throw new AssertionError("no alert " + alert + " in " + RULES);
    }

    /** A rule's {@code expr}, inline or as a block scalar ({@code |}, {@code >}) on the lines below. */
    private static String expr(List<String> block) {
        Pattern key = Pattern.compile("^(\\s*)(?:- )?expr:\\s*(.*)$");
        for (int i = 0; i < block.size(); i++) {
            Matcher m = key.matcher(block.get(i));
            if (!m.matches()) {
                continue;
            }
            String value = m.group(2).trim();
            if (!value.matches("[|>][-+]?")) {
                return unquote(value);
            }
            int indent = m.group(1).length();
            StringBuilder b = new StringBuilder();
            for (int j = i + 1; j < block.size() && (block.get(j).isBlank() || indent(block.get(j)) > indent); j++) {
                b.append(block.get(j).trim()).append('\n');
            }
            return b.toString().trim();
        }
        return null;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    /** Whether an alert has a case where it fires (expected alerts listed) and one where it stays quiet. */
    static final class Coverage {
        boolean firing;
        boolean quiet;
    }

    /** Each alert the unit tests evaluate, with the kinds of case they have for it. */
    static Map<String, Coverage> ruleTests() {
        List<String> lines = lines(RULE_TESTS);
        Map<String, Coverage> tested = new LinkedHashMap<>();
        Pattern name = Pattern.compile("^(\\s*)(- )?alertname:\\s*(\\S+)\\s*$");
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = name.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            int from = itemStart(lines, i, m.group(1).length() + (m.group(2) == null ? 0 : 2));
            String item = String.join("\n", lines.subList(from, itemEnd(lines, from)));
            Coverage c = tested.computeIfAbsent(m.group(3), k -> new Coverage());
            if (Pattern.compile("(?m)^\\s*- exp_labels:").matcher(item).find()) {
                c.firing = true;
            } else {
                c.quiet = true; // exp_alerts: [] or no exp_alerts: promtool expects no alert
            }
        }
        return tested;
    }

    /** The line of the list item holding line {@code i}, whose keys are indented {@code keyIndent}. */
    private static int itemStart(List<String> lines, int i, int keyIndent) {
        for (int j = i; j >= 0; j--) {
            String l = lines.get(j);
            if (!l.isBlank() && indent(l) == keyIndent - 2 && l.trim().startsWith("- ")) {
                return j;
            }
        }
        throw new AssertionError("no list item around line " + (i + 1) + ": " + lines.get(i));
    }

    /** The end (exclusive) of the list item starting at {@code from}: the next line indented as much as its dash or less. */
    private static int itemEnd(List<String> lines, int from) {
        int dash = indent(lines.get(from));
        int j = from + 1;
        while (j < lines.size() && (lines.get(j).isBlank() || indent(lines.get(j)) > dash)) {
            j++;
        }
        return j;
    }

    private static int indent(String line) {
        int n = 0;
        while (n < line.length() && line.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
    }
}
