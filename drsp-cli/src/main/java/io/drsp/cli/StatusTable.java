package io.drsp.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.drsp.controller.RelayDiskGuard;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** The human form of {@code drsp status}: one line per shard, errors spelled out below. */
final class StatusTable {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private StatusTable() {
    }

    /** One line per shard or replica of the running step: "flashing back s1: 1200/5000 rows, 800 rows/s, ETA 5 s". */
    static java.util.List<String> progressLines(JsonNode status) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        status.path("progress").fields().forEachRemaining(e -> {
            JsonNode p = e.getValue();
            String unit = p.path("unit").asText();
            if (p.path("total").asLong() == 0 && p.path("done").asLong() == 0) {
                // The total is not counted yet; "0/0, ETA 0 s" would read as nothing left to do.
                lines.add(p.path("activity").asText() + " " + e.getKey() + ": counting " + unit);
                return;
            }
            lines.add(String.format(java.util.Locale.ROOT, "%s %s: %d/%d %s, %.0f %s/s, ETA %s", p.path("activity").asText(), e.getKey(),
                    p.path("done").asLong(), p.path("total").asLong(), unit, p.path("ratePerSecond").asDouble(), unit,
                    p.path("etaSeconds").isNull() ? "?" : String.format(java.util.Locale.ROOT, "%.0f s", p.path("etaSeconds").asDouble())));
        });
        return lines;
    }

    static String render(JsonNode s, ZoneId zone) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("cluster %s   production: %s   dr: %s   delay: %s%n", s.path("cluster").asText(),
                s.path("productionMode").asText(), s.path("drMode").asText(),
                s.path("delaySeconds").isNull() ? "-" : s.path("delaySeconds").asInt() + " s"));
        if (s.path("owner").isTextual()) {
            b.append("driven by: ").append(s.path("owner").asText()).append(" (takeover epoch ").append(s.path("epoch").asLong())
                    .append(")\n");
        }
        if (s.path("controllers").size() > 1) {
            java.util.List<String> members = new java.util.ArrayList<>();
            for (JsonNode m : s.path("controllers")) {
                members.add(m.path("name").asText() + " (" + m.path("status").asText() + (m.path("reachable").asBoolean() ? ""
                        : ", unreachable") + (m.path("drives").asBoolean() ? ", drives" : "") + ")");
            }
            b.append("controllers: ").append(String.join(", ", members)).append('\n');
        }
        if (!s.path("runbook").isNull() && !s.path("runbook").isMissingNode()) {
            b.append("in progress: ").append(s.path("runbook").asText()).append('\n');
        }
        if (!s.path("lastError").isNull() && !s.path("lastError").isMissingNode()) {
            b.append("last failure: ").append(s.path("lastError").asText()).append('\n');
        }
        for (JsonNode w : s.path("warnings")) {
            b.append("WARNING: ").append(w.asText()).append('\n');
        }
        if (!s.path("target").isNull() && !s.path("target").isMissingNode()) {
            b.append("recovery target: ").append(s.path("target").path("asTyped").asText()).append('\n');
        }
        if (!s.path("recoveryPoint").isNull() && !s.path("recoveryPoint").isMissingNode()) {
            JsonNode p = s.path("recoveryPoint");
            b.append("recovery point: ").append(p.path("target").asText()).append(", production time ")
                    .append(time(p.path("clusterTimeMicros"), zone)).append('\n');
        }
        if (!s.path("snapshot").isNull() && !s.path("snapshot").isMissingNode()) {
            b.append("snapshot point: ").append(s.path("snapshot").asText()).append('\n');
        }
        JsonNode consistent = s.path("latestConsistentPoint");
        if (consistent.isObject()) {
            b.append("latest consistent recoverable time: ").append(consistent.path("micros").isNumber()
                            ? time(consistent.path("micros"), zone) : "none (" + consistent.path("why").asText() + ")")
                    .append(", found ").append(String.format(java.util.Locale.ROOT, "%.0f",
                            (s.path("observedAtMicros").asLong() - consistent.path("checkedAt").asLong()) / 1e6)).append(" s ago\n");
        }
        JsonNode f = s.path("figures");
        if (f.isObject()) {
            b.append("recoverable window: ").append(f.path("windowStartMicros").isNumber() ? time(f.path("windowStartMicros"), zone) : "?")
                    .append(" .. ").append(f.path("windowEndMicros").isNumber() ? time(f.path("windowEndMicros"), zone) : "?");
            if (f.path("windowStartMicros").isNumber() && f.path("windowEndMicros").isNumber()) {
                b.append(String.format(java.util.Locale.ROOT, " (%.1f s)",
                        (f.path("windowEndMicros").asLong() - f.path("windowStartMicros").asLong()) / 1e6));
            }
            b.append("; RPO now ").append(f.path("rpoLowerBound").asBoolean() ? "at least " : "").append(seconds(f.path("rpoSeconds")))
                    .append(f.path("rpoLowerBound").asBoolean() ? " (production does not answer; up to 1 s more)" : "")
                    .append("; RTO estimate ").append(seconds(f.path("rtoSeconds")));
            if (f.path("rtoSeconds").isNumber()) {
                b.append(" (replay ").append(seconds(f.path("replaySeconds"))).append(" + other steps ")
                        .append(f.path("fixedSeconds").isNumber() ? seconds(f.path("fixedSeconds")) : "not measured yet")
                        .append(" + relaytime ").append(f.path("searchSeconds").isNumber() ? seconds(f.path("searchSeconds")) : "?").append(')');
            }
            b.append('\n');
        }
        progressLines(s).forEach(l -> b.append(l).append('\n'));
        b.append(String.format("%-6s %-9s %-10s %-4s %-4s %-6s %-23s %8s %14s %7s%n", "SHARD", "PROD", "DR", "IO", "SQL",
                "LEFT", "APPLIED (prod time)", "LAG s", "BACKLOG trx", "bytes"));
        StringBuilder problems = new StringBuilder();
        StringBuilder links = new StringBuilder();
        java.util.List<String> tlsLinks = new java.util.ArrayList<>();
        java.util.List<String> clearLinks = new java.util.ArrayList<>();
        StringBuilder prepared = new StringBuilder();
        StringBuilder relay = new StringBuilder();
        for (JsonNode shard : s.path("shards")) {
            String name = shard.path("shard").asText();
            JsonNode prod = shard.path("production");
            JsonNode dr = shard.path("dr");
            JsonNode link = dr.path("link");
            boolean hasLink = !link.isNull() && !link.isMissingNode();
            b.append(String.format("%-6s %-9s %-10s %-4s %-4s %-6s %-23s %8s %14s %7s%n", name,
                    prod.path("reachable").asBoolean() ? "up" : "DOWN",
                    !dr.path("reachable").asBoolean() ? "DOWN" : dr.path("superReadOnly").asBoolean() ? "read-only" : "WRITABLE",
                    hasLink ? link.path("ioRunning").asText() : "-", hasLink ? link.path("sqlRunning").asText() : "-",
                    hasLink && !link.path("remainingDelaySeconds").isNull() ? link.path("remainingDelaySeconds").asText() : "-",
                    time(dr.path("appliedSourceTimeMicros"), zone),
                    shard.path("lagSeconds").isNull() ? "-" : String.format("%.1f", shard.path("lagSeconds").asDouble()),
                    shard.path("backlogTransactions").isNull() ? "-" : shard.path("backlogTransactions").asText(),
                    shard.path("backlogBytes").isNull() ? "-" : shard.path("backlogBytes").asText()));
            note(problems, "production shard " + name, prod.path("error"));
            note(problems, "dr shard " + name, dr.path("error"));
            if (hasLink) {
                links.append(String.format("  %-6s retrieved %s%n  %-6s executed  %s%n", name, oneLine(link.path("retrievedGtids")), "",
                        oneLine(link.path("executedGtids"))));
                (link.path("tls").asBoolean(false) ? tlsLinks : clearLinks).add(name);
                String state = link.path("sqlState").asText("");
                if (!state.isBlank()) {
                    links.append(String.format("  %-6s applier:  %s%n", "", state));
                }
                note(problems, "dr shard " + name + " receiver", link.path("ioError"));
                note(problems, "dr shard " + name + " applier", link.path("sqlError"));
            }
            relayDisk(relay, name, dr);
            int r = 1;
            for (JsonNode replica : shard.path("drReplicas")) {
                relayDisk(relay, name + " r" + r++, replica);
            }
            if (prod.path("xaPrepared").asInt(0) > 0 || dr.path("xaPrepared").asInt(0) > 0) {
                prepared.append(String.format("  %-6s production %s, dr %s%n", name, preparedCount(prod), preparedCount(dr)));
            }
            for (JsonNode v : dr.path("settingViolations")) {
                problems.append("  dr shard ").append(name).append(": ").append(v.asText()).append('\n');
            }
            for (JsonNode v : prod.path("settingViolations")) {
                problems.append("  production shard ").append(name).append(": ").append(v.asText()).append('\n');
            }
        }
        if (links.length() > 0) {
            b.append("links (GTID sets of each DR shard, and what its applier is doing):\n").append(links);
            b.append("  over TLS: ").append(tlsLinks.isEmpty() ? "none" : String.join(", ", tlsLinks))
                    .append("; in the clear: ").append(clearLinks.isEmpty() ? "none" : String.join(", ", clearLinks)).append('\n');
        }
        if (relay.length() > 0) {
            b.append("relay log disk (each DR member's relay log files, and what the disk under them has free):\n").append(relay);
        }
        if (prepared.length() > 0) {
            b.append("prepared XA branches (XA RECOVER; each holds its row locks until its coordinator decides):\n").append(prepared);
        }
        if (problems.length() > 0) {
            b.append("problems:\n").append(problems);
        }
        if (!s.path("lateLooks").isEmpty()) {
            b.append("slow to answer, shown from their last look:");
            for (JsonNode l : s.path("lateLooks")) {
                b.append(String.format(java.util.Locale.ROOT, " %s (%.1f s old%s)", l.path("node").asText(), l.path("ageSeconds").asDouble(),
                        l.path("beforeLastChange").asBoolean() ? ", from before the last command" : ""));
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void relayDisk(StringBuilder out, String who, JsonNode member) {
        JsonNode link = member.path("link");
        if (link.isNull() || link.isMissingNode()) {
            return;
        }
        JsonNode free = link.path("relayDiskFreeBytes");
        out.append(String.format("  %-9s %10s, %s free%n", who, RelayDiskGuard.size(link.path("relayLogSpaceBytes").asLong()),
                free.isNumber() ? RelayDiskGuard.size(free.asLong()) : "?"));
    }

    /** A GTID set as MySQL prints it may span lines (one uuid per line); a table wants it on one. */
    private static String oneLine(JsonNode gtids) {
        String text = gtids.isNull() || gtids.isMissingNode() ? "" : gtids.asText().replace("\n", "").strip();
        return text.isEmpty() ? "(none)" : text;
    }

    private static void note(StringBuilder out, String who, JsonNode error) {
        if (!error.isNull() && !error.isMissingNode() && !error.asText().isBlank()) {
            out.append("  ").append(who).append(": ").append(error.asText()).append('\n');
        }
    }

    private static String preparedCount(JsonNode member) {
        if (member.path("xaPrepared").isNull() || member.path("xaPrepared").isMissingNode()) {
            return "?";
        }
        int n = member.path("xaPrepared").asInt();
        JsonNode oldest = member.path("xaOldestPreparedSeconds");
        return n + (n > 0 && oldest.isNumber() ? " (oldest " + oldest.asLong() + " s)" : "");
    }

    private static String time(JsonNode micros, ZoneId zone) {
        if (micros.isNull() || micros.isMissingNode()) {
            return "-";
        }
        long us = micros.asLong();
        return TIME.format(Instant.ofEpochSecond(us / 1_000_000, (us % 1_000_000) * 1000).atZone(zone));
    }

    private static String seconds(JsonNode v) {
        return v.isNumber() ? String.format(java.util.Locale.ROOT, "%.1f s", v.asDouble()) : "?";
    }
}
