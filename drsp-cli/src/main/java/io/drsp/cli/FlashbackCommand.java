package io.drsp.cli;

import io.drsp.core.gtid.GtidSet;
import io.drsp.flashback.BinlogInput;
import io.drsp.flashback.ConnectionSettings;
import io.drsp.flashback.Flashback;
import io.drsp.flashback.FlashbackApplier;
import io.drsp.flashback.FlashbackPlan;
import io.drsp.flashback.FlashbackProgress;
import io.drsp.flashback.FlashbackRequest;
import io.drsp.flashback.Refusal;
import io.drsp.flashback.Selection;
import io.drsp.flashback.TableFilter;
import io.drsp.flashback.TableName;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code drsp flashback CLUSTER [--dry-run]} ends a drill through the controller (see {@link DrillCommands}).
 *
 * <p>{@code drsp flashback --host ...}: the standalone tool a DBA points at one server after a bad statement. Reads
 * the server's binlog (or binlog files), shows what it would undo, refuses with every reason or undoes the chosen
 * transactions newest first, with progress on stderr. Exit 0 done, 1 refused or failed (nothing applied when
 * refused), 2 usage. The password never appears on the command line.
 */
@Command(name = "flashback", sortOptions = false,
        description = {"With CLUSTER: end a drill, undoing on every DR shard what it wrote since the snapshot point.",
                "With --host: undo chosen transactions on one MySQL server by applying reverse row changes, newest first."})
public final class FlashbackCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = new java.time.format.DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss").optionalStart().appendFraction(ChronoField.MICRO_OF_SECOND, 0, 6, true)
            .optionalEnd().toFormatter(Locale.ROOT);

    @Spec
    CommandSpec spec;
    @Parameters(index = "0", arity = "0..1", paramLabel = "CLUSTER",
            description = "A DR cluster in mode SERVICE_STOPPED: flash back its drill (only --config and --dry-run apply).")
    String cluster;
    @Mixin
    ConfigOption config = new ConfigOption();
    @Option(names = "--host", paramLabel = "HOST", description = "Server whose transactions are undone (and whose binlog is read).")
    String host;
    @Option(names = "--port", defaultValue = "3306", paramLabel = "PORT", description = "Default: ${DEFAULT-VALUE}.")
    int port;
    @Option(names = "--user", paramLabel = "USER",
            description = "Needs REPLICATION SLAVE and REPLICATION CLIENT to read binlog, and the right to change the tables.")
    String user;
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Password password;
    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Choice choice;
    @Option(names = "--time-zone", paramLabel = "ZONE", description = "Zone of --start-time/--stop-time, e.g. Asia/Shanghai or +08:00 (default: the system's).")
    String timeZone;
    @Option(names = "--databases", split = ",", paramLabel = "DB", description = "Undo only rows of these databases.")
    List<String> databases = new ArrayList<>();
    @Option(names = "--tables", split = ",", paramLabel = "DB.TABLE", description = "Undo only rows of these tables.")
    List<String> tables = new ArrayList<>();
    @Option(names = "--binlog-files", split = ",", paramLabel = "FILE",
            description = "Read these binlog files, in order, instead of the server's binlog; the server is still the target.")
    List<Path> binlogFiles = new ArrayList<>();
    @Option(names = "--dry-run", paramLabel = "DIR", arity = "0..1", fallbackValue = "",
            description = "Change nothing: with --host write reverse.sql and forward.sql (what is being undone) to DIR; with"
                    + " CLUSTER check the drill and archive its SQL under var/archive/CLUSTER/SNAPSHOT/dry-run.")
    String dryRun;
    @Option(names = "--sql-log-bin", defaultValue = "on", paramLabel = "on|off",
            description = "Write the undo to the server's binlog, so its replicas replay it and gtid_executed grows by one"
                    + " transaction per undone one (as binlog2sql's output run through mysql would). off repairs this server"
                    + " only: its replicas keep the undone changes. Default: ${DEFAULT-VALUE}.")
    String sqlLogBin;
    @Option(names = "--workers", defaultValue = "" + FlashbackApplier.Options.DEFAULT_WORKERS, paramLabel = "N",
            description = "Connections applying independent transactions in parallel (1: strictly newest first). Default: ${DEFAULT-VALUE}.")
    int workers;
    @Option(names = "--spill-dir", paramLabel = "DIR", description = "Where row events are kept during the run (default: the temporary directory).")
    Path spillDir;

    static final class Password {
        @Option(names = "--password-env", paramLabel = "NAME", description = "Environment variable holding the password.")
        String env;
        @Option(names = "--password-file", paramLabel = "FILE", description = "File holding the password (mode 0600); one line.")
        Path file;
    }

    static final class Choice {
        @Option(names = "--exclude-gtids", paramLabel = "SET", description = "Undo everything the server executed except this GTID set.")
        String excludeGtids;
        @Option(names = "--gtids", paramLabel = "SET", description = "Undo exactly these transactions.")
        String gtids;
        @ArgGroup(exclusive = false, multiplicity = "1")
        Times times;
    }

    static final class Times {
        @Option(names = "--start-time", paramLabel = "TIME", description = "Undo transactions committed at or after yyyy-MM-dd HH:mm:ss[.ffffff].")
        String start;
        @Option(names = "--stop-time", paramLabel = "TIME", description = "... and before this time.")
        String stop;
    }

    /** Progress and messages go to stderr, the plan and the result to stdout: a script can keep the latter. */
    private final PrintStream out = System.out;
    private final PrintStream err = System.err;

    @Override
    public Integer call() throws Exception {
        if (cluster != null) {
            List<String> standalone = new ArrayList<>();
            for (String option : List.of("--host", "--user", "--password-env", "--password-file", "--exclude-gtids", "--gtids",
                    "--start-time", "--stop-time", "--time-zone", "--databases", "--tables", "--binlog-files", "--sql-log-bin",
                    "--workers", "--spill-dir")) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    standalone.add(option);
                }
            }
            if (!standalone.isEmpty() || (dryRun != null && !dryRun.isEmpty())) {
                throw new ParameterException(spec.commandLine(), "flashback " + cluster + " ends a drill through the controller and takes"
                        + " only --config and --dry-run (no DIR), not " + (standalone.isEmpty() ? "--dry-run " + dryRun
                        : String.join(", ", standalone)) + "; use --host for the standalone tool.");
            }
            return ClusterCommands.runOnCluster(config, cluster, "flashback", Map.of("dryRun", dryRun != null));
        }
        if (host == null || user == null || choice == null) {
            throw new ParameterException(spec.commandLine(), "flashback needs either a CLUSTER (to end a drill) or --host, --user and"
                    + " one of --exclude-gtids, --gtids, --start-time/--stop-time (the standalone tool).");
        }
        if (dryRun != null && dryRun.isEmpty()) {
            throw new ParameterException(spec.commandLine(), "--dry-run needs the DIR to write reverse.sql and forward.sql to.");
        }
        FlashbackRequest request = request();
        try (FlashbackPlan plan = Flashback.plan(request)) {
            out.println("flashback on " + host + ":" + port + ": " + plan.transactions() + " transactions selected, "
                    + plan.transactionsWithRows() + " with rows to undo (" + plan.inserted() + " inserted, " + plan.updated()
                    + " updated, " + plan.deleted() + " deleted rows)"
                    + (plan.firstCommit() == null ? "" : ", committed " + plan.firstCommit() + " .. " + plan.lastCommit()));
            plan.rowsByTable().forEach((t, c) -> out.println("  " + t + ": " + c[0] + " inserted, " + c[1] + " updated, " + c[2] + " deleted"));
            plan.warnings().forEach(w -> err.println("drsp: warning: " + w));
            if (plan.isRefused()) {
                for (Refusal r : plan.refusals()) {
                    err.println("  refused: " + (r.gtid() == null ? "" : r.gtid() + ": ") + r.reason()
                            + (r.statement() == null ? "" : "\n    statement: " + r.statement()));
                }
                throw new IllegalStateException("flashback refused for the " + plan.refusals().size()
                        + (plan.refusals().size() == 1 ? " reason" : " reasons") + " listed above; nothing was applied.");
            }
            if (plan.transactionsWithRows() == 0) {
                out.println("nothing to undo.");
                return Drsp.DONE;
            }
            FlashbackApplier.Result result;
            try {
                result = Flashback.apply(plan, this::progress);
            } catch (io.drsp.flashback.FlashbackFailed e) {
                err.println("drsp: " + e.getMessage());
                err.println("drsp: undone so far: " + (e.reversed().isEmpty() ? "nothing" : e.reversed().toCompactString()));
                err.println("drsp: once the cause is fixed, this continues exactly where the server stands:");
                err.println("  " + continuation(e.remaining()));
                throw new IllegalStateException("flashback stopped part-way; the command above undoes the "
                        + e.remaining().size() + " transactions still to undo.");
            }
            if (result.reverseSql() != null) {
                out.println("dry run, nothing changed: reverse SQL in " + result.reverseSql() + ", what it undoes in " + result.forwardSql());
            } else {
                out.printf(Locale.ROOT, "undone %d transactions, %d rows, in %.1f s: %s%n", result.transactions(), result.rows(),
                        result.elapsed().toMillis() / 1000.0, result.reversed().toCompactString());
                out.println(request.options().sqlLogBin()
                        ? "sql_log_bin=on: the undo is in this server's binlog as " + result.transactions() + " new transactions;"
                                + " its replicas replay it, and gtid_executed grows by them."
                        : "sql_log_bin=off: the undo is not in the binlog; gtid_executed is unchanged, and every replica of this"
                                + " server still holds the changes undone here" + replicasNote(request) + ".");
            }
            return Drsp.DONE;
        }
    }

    /** How many replicas the server has attached now (SHOW REPLICAS), for the sql_log_bin=off summary. */
    private static String replicasNote(FlashbackRequest request) {
        try (java.sql.Connection c = request.target().connect(); java.sql.Statement st = c.createStatement();
             java.sql.ResultSet rs = st.executeQuery("SHOW REPLICAS")) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            return n == 0 ? " (none is attached now)" : " (" + n + (n == 1 ? " is" : " are") + " attached now)";
        } catch (java.sql.SQLException e) {
            return "";
        }
    }

    /**
     * This command line with its selection replaced by exactly the transactions still to undo: what was undone
     * committed whole (each reverse is one transaction), so undoing the rest finishes the run. Passwords are only
     * ever named (--password-env, --password-file), so the line holds no secret.
     */
    String continuation(GtidSet remaining) {
        List<String> args = new ArrayList<>(List.of("drsp", "flashback"));
        List<String> original = spec.commandLine().getParseResult().originalArgs();
        if (!original.isEmpty() && original.get(0).equals(spec.name())) {
            original = original.subList(1, original.size()); // the whole command line, from the subcommand on
        }
        List<String> selection = List.of("--exclude-gtids", "--gtids", "--start-time", "--stop-time", "--time-zone", "--dry-run");
        for (int i = 0; i < original.size(); i++) {
            String a = original.get(i);
            String name = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (selection.contains(name)) {
                if (!a.contains("=") && !name.equals("--dry-run") && i + 1 < original.size()) {
                    i++; // its value
                }
                continue;
            }
            args.add(a);
        }
        args.add("--gtids");
        args.add(remaining.toCompactString());
        StringBuilder line = new StringBuilder();
        for (String a : args) {
            line.append(line.length() == 0 ? "" : " ").append(a.matches("[A-Za-z0-9_./:,=@%+-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return line.toString();
    }

    private void progress(FlashbackProgress p) {
        double pct = p.rowsTotal() == 0 ? 100 : 100.0 * p.rowsDone() / p.rowsTotal();
        err.printf(Locale.ROOT, "flashback: %d/%d rows (%.0f%%), %d/%d transactions, %.0f rows/s, ETA %s%n", p.rowsDone(),
                p.rowsTotal(), pct, p.transactionsDone(), p.transactionsTotal(), p.rowsPerSecond(),
                p.eta() == null ? "?" : p.eta().toSeconds() + " s");
    }

    /** Everything the command line says, checked before any connection is made. */
    FlashbackRequest request() throws IOException {
        ConnectionSettings server = new ConnectionSettings(host, port, user, password());
        BinlogInput source = binlogFiles.isEmpty() ? new BinlogInput.FromServer(server) : new BinlogInput.FromFiles(files());
        boolean logBin = switch (sqlLogBin.toLowerCase(Locale.ROOT)) {
            case "on", "1" -> true;
            case "off", "0" -> false;
            default -> throw new IllegalArgumentException("--sql-log-bin must be on or off, got \"" + sqlLogBin + "\".");
        };
        if (workers < 1 || workers > 64) {
            throw new IllegalArgumentException("--workers must be 1 to 64, got " + workers + ".");
        }
        FlashbackApplier.Options options = FlashbackApplier.Options.defaults().withSqlLogBin(logBin).withWorkers(workers)
                .withDryRun(dryRun == null ? null : Path.of(dryRun));
        return new FlashbackRequest(source, selection(), filter(), server, options, spillDir);
    }

    private List<Path> files() {
        for (Path f : binlogFiles) {
            if (!Files.isReadable(f)) {
                throw new IllegalArgumentException("binlog file " + f + " does not exist or cannot be read.");
            }
        }
        return binlogFiles;
    }

    private Selection selection() {
        if (choice.excludeGtids != null) {
            return new Selection.AllExcept(gtidSet("--exclude-gtids", choice.excludeGtids));
        }
        if (choice.gtids != null) {
            GtidSet set = gtidSet("--gtids", choice.gtids);
            if (set.isEmpty()) {
                throw new IllegalArgumentException("--gtids names no transaction.");
            }
            return new Selection.Only(set);
        }
        ZoneId zone = zone();
        Instant from = time("--start-time", choice.times.start, zone);
        Instant to = time("--stop-time", choice.times.stop, zone);
        if (from != null && to != null && !from.isBefore(to)) {
            throw new IllegalArgumentException("--start-time " + choice.times.start + " is not before --stop-time " + choice.times.stop + ".");
        }
        return new Selection.TimeRange(from, to);
    }

    private static GtidSet gtidSet(String option, String text) {
        try {
            return text.isBlank() ? GtidSet.empty() : GtidSet.parse(text.strip());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + " \"" + text + "\" is not a GTID set (uuid:1-100,uuid:5...): "
                    + io.drsp.cli.Refusal.sentence(e), e);
        }
    }

    private ZoneId zone() {
        if (timeZone == null) {
            return ZoneId.systemDefault();
        }
        try {
            return ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("--time-zone \"" + timeZone + "\" is not a time zone (e.g. Asia/Shanghai, +08:00).");
        }
    }

    private static Instant time(String option, String text, ZoneId zone) {
        if (text == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(text.strip(), TIME).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(option + " \"" + text + "\" is not yyyy-MM-dd HH:mm:ss[.ffffff].");
        }
    }

    private TableFilter filter() {
        Set<String> dbs = new LinkedHashSet<>();
        for (String d : databases) {
            if (!d.isBlank()) {
                dbs.add(d.strip());
            }
        }
        Set<TableName> ts = new HashSet<>();
        for (String t : tables) {
            if (!t.isBlank()) {
                ts.add(TableName.parse(t.strip()));
            }
        }
        return new TableFilter(dbs, ts);
    }

    /**
     * The password from an environment variable or a file only readable by its owner, never from the command
     * line (it would show in the process list and the shell history). None given: no password.
     */
    private String password() throws IOException {
        if (password == null) {
            return null;
        }
        if (password.env != null) {
            String v = System.getenv(password.env);
            if (v == null) {
                throw new IllegalArgumentException("environment variable " + password.env + " (--password-env) is not set.");
            }
            return v;
        }
        Path f = password.file;
        if (!Files.isRegularFile(f)) {
            throw new IllegalArgumentException("password file " + f + " does not exist.");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(f);
            for (PosixFilePermission p : perms) {
                if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
                    throw new IllegalArgumentException("password file " + f + " can be read by others; make it mode 0600 (chmod 600 "
                            + f + ").");
                }
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing to check
        }
        String text = Files.readString(f, StandardCharsets.UTF_8);
        int eol = text.indexOf('\n');
        String line = eol < 0 ? text : text.substring(0, eol);
        return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
    }

}
