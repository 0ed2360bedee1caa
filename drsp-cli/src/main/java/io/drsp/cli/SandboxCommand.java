package io.drsp.cli;

import io.drsp.sandbox.Sandbox;
import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import io.drsp.sandbox.bank.XaJournal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code drsp sandbox up|status|down|workload|check}: real MySQL clusters on this machine for demos and tests. */
@Command(name = "sandbox", description = "Run a local production + DR sandbox of real MySQL 8 instances.",
        subcommands = {SandboxCommand.Up.class, SandboxCommand.Status.class, SandboxCommand.Down.class,
                SandboxCommand.Workload.class, SandboxCommand.Check.class})
final class SandboxCommand {

    static class DirOption {
        @Option(names = "--dir", description = "Sandbox directory (default: ${DEFAULT-VALUE}).", defaultValue = "var/sandbox")
        Path dir;
    }

    @Command(name = "up", description = "Start production and DR clusters (meta + N shards each) and the control database;"
            + " --dir must be missing, empty, or a stopped earlier sandbox (it is replaced).")
    static final class Up implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DirOption dir = new DirOption();
        @Option(names = "--shards", defaultValue = "2", description = "Data shards per cluster, besides meta (1-16).")
        int shards;
        @Option(names = "--replicas", defaultValue = "0", description = "Local replicas per DR shard (0-3).")
        int replicas;
        @Option(names = "--cluster", defaultValue = "1",
                description = "Cluster id: 1-32 letters, digits, _ or - (default: ${DEFAULT-VALUE}).")
        String cluster;
        @Option(names = "--controllers", defaultValue = "1",
                description = "Controllers the configuration lists: 1, or 3 for a highly available cluster of them (default: ${DEFAULT-VALUE}).")
        int controllers;
        @Option(names = "--tls", description = "Make a CA and certificates for every instance, the controllers and the agents,"
                + " serve MySQL over TLS and write a configuration that uses TLS everywhere.")
        boolean tls;

        @Override
        public Integer call() {
            if (controllers != 1 && controllers != 3) {
                throw new ControllerClient.CommandRefused("--controllers must be 1 or 3 (an even number of controllers cannot"
                        + " decide a network split by majority), got " + controllers + ".");
            }
            long started = System.nanoTime();
            Sandbox sb = Sandbox.up(dir.dir, new Sandbox.Options(cluster, shards, replicas, Map.of(), tls), System.out::println);
            if (controllers > 1) {
                sb.writeConfig(controllers);
            }
            System.out.printf("sandbox up in %.1f s: %d instances%n", (System.nanoTime() - started) / 1e9, sb.members().size());
            System.out.println(sb.configFile());
            return Drsp.DONE;
        }
    }

    @Command(name = "status", description = "Show every sandbox instance: running, transactions, replication.")
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DirOption dir = new DirOption();

        @Override
        public Integer call() {
            Sandbox sb = Sandbox.open(dir.dir);
            System.out.printf("%-24s %-11s %-16s %-8s %12s  %s%n", "INSTANCE", "ROLE", "ENDPOINT", "STATE", "GTIDS", "REPLICATION");
            boolean allUp = true;
            for (Sandbox.MemberStatus s : sb.status()) {
                allUp &= s.running();
                System.out.printf("%-24s %-11s %-16s %-8s %12s  %s%n", s.name(), s.role(), s.endpoint(),
                        s.running() ? "running" : "stopped", s.transactions() < 0 ? "-" : Long.toString(s.transactions()),
                        s.replication());
            }
            System.out.println("config: " + sb.configFile());
            return allUp ? Drsp.DONE : Drsp.REFUSED;
        }
    }

    @Command(name = "down", description = "Stop every sandbox instance and remove its data (keep it with --keep-data).")
    static final class Down implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DirOption dir = new DirOption();
        @Option(names = "--keep-data", description = "Stop the instances but keep their directories.")
        boolean keepData;

        @Override
        public Integer call() {
            Sandbox sb = Sandbox.open(dir.dir);
            // A controller serving this sandbox would only log failing heartbeats once its databases are gone; with
            // several controllers each has its own pid file (controller-c1.pid, ...).
            java.util.List<java.nio.file.Path> pidFiles = new java.util.ArrayList<>();
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(sb.dir().resolve("state"))) {
                files.filter(f -> f.getFileName().toString().matches("controller(-.+)?\\.pid")).sorted().forEach(pidFiles::add);
            } catch (java.io.IOException | java.io.UncheckedIOException e) {
                // no state directory: no controller was ever started here
            }
            for (java.nio.file.Path pidFile : pidFiles) {
                ControllerCommand.running(pidFile).ifPresent(h -> {
                    h.destroy();
                    h.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
                    System.out.println("stopped the drsp controller of this sandbox (pid " + h.pid() + ")");
                });
            }
            sb.down(keepData);
            System.out.println("sandbox down" + (keepData ? " (data kept in " + dir.dir + ")" : ""));
            return Drsp.DONE;
        }
    }

    @Command(name = "workload", description = "Run bank transfers on a site's cluster (production, or dr during a drill), then check the balances.")
    static final class Workload implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DirOption dir = new DirOption();
        @Option(names = "--rate", defaultValue = "50", description = "Transfers per second offered (default: ${DEFAULT-VALUE}).")
        double rate;
        @Option(names = "--seconds", defaultValue = "10", description = "How long to run (default: ${DEFAULT-VALUE}).")
        int seconds;
        @Option(names = "--threads", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
        int threads;
        @Option(names = "--accounts", defaultValue = "100",
                description = "Accounts per shard, 2-" + BankSchema.MAX_ACCOUNTS_PER_SHARD + " (default: ${DEFAULT-VALUE}).")
        int accounts;
        @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--site", defaultValue = "production",
                description = "production (creates the bank schema if needed) or dr (a drill's traffic on the recovered schema).")
        String site;
        @Option(names = "--cross-shard", defaultValue = "0.5",
                description = "Fraction 0-1 of transfers between two shards as one XA transaction (default: ${DEFAULT-VALUE}).")
        double crossShard;
        @Option(names = "--abandon", defaultValue = "0.02",
                description = "Fraction 0-1 of cross-shard transfers abandoned part-way, as by a killed coordinator (default: ${DEFAULT-VALUE}).")
        double abandon;
        @Option(names = "--resolve-after", defaultValue = "3",
                description = "Seconds after which an abandoned transfer is resolved on production (default: ${DEFAULT-VALUE}).")
        double resolveAfter;

        @Override
        public Integer call() throws SQLException, InterruptedException {
            Sandbox.Role role = role(site);
            // NaN fails every comparison: ask for what is wanted instead of ruling out what is not.
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("--rate must be a positive, finite number of transfers per second, not " + rate + ".");
            }
            if (seconds < 1 || threads < 1) {
                throw new IllegalArgumentException("--seconds and --threads must be at least 1, not " + seconds + " and " + threads + ".");
            }
            if (accounts < 2 || accounts > BankSchema.MAX_ACCOUNTS_PER_SHARD) {
                throw new IllegalArgumentException("--accounts must be between 2 and " + BankSchema.MAX_ACCOUNTS_PER_SHARD
                        + " (each shard owns that many account ids, the next shard's follow), not " + accounts + ".");
            }
            if (!(crossShard >= 0 && crossShard <= 1) || !(abandon >= 0 && abandon <= 1)) {
                throw new IllegalArgumentException("--cross-shard and --abandon must be fractions between 0 and 1, not "
                        + crossShard + " and " + abandon + ".");
            }
            if (!(resolveAfter >= 0) || Double.isInfinite(resolveAfter)) {
                throw new IllegalArgumentException("--resolve-after must be a finite number of seconds, 0 or more, not " + resolveAfter + ".");
            }
            Sandbox sb = Sandbox.open(dir.dir);
            SandboxBank bank = SandboxBank.of(sb, role);
            if (crossShard > 0 && bank.dataShards().size() < 2) {
                throw new IllegalArgumentException("--cross-shard needs at least 2 data shards; this sandbox has "
                        + bank.dataShards().size() + ".");
            }
            if (role == Sandbox.Role.PRODUCTION) {
                BankSchema.create(bank.meta(), bank.dataShards(), accounts); // DR gets its schema by replication only
            }
            BankWorkload w = new BankWorkload(bank.dataShards(), accounts, threads, rate, seed)
                    .withCrossShard(crossShard, abandon, resolveAfter).start();
            Thread.sleep(Duration.ofSeconds(seconds).toMillis()); // the run's length is the point here, not a wait
            BankWorkload.Stats stats = w.stop();
            BankTotals totals = BankTotals.read(bank.dataShards());
            System.out.printf("committed %d transfers in %d s (%.1f/s), declined %d for insufficient funds, %d deadlock retries,"
                    + " committed per shard %s%n", stats.committed(), seconds, stats.committed() / (double) seconds,
                    stats.declined(), stats.retried(), stats.committedPerShard());
            boolean atomic = true;
            if (crossShard > 0) {
                XaJournal journal = XaJournal.read(bank.dataShards());
                System.out.printf("cross-shard XA transfers: %d committed, %d rolled back, %d abandoned part-way and resolved;"
                                + " torn %s, prepared branches left %d%n", stats.crossShardCommitted(), stats.crossShardDeclined(),
                        stats.resolved(), journal.torn(), journal.preparedBranches());
                atomic = journal.torn().isEmpty() && journal.preparedBranches() == 0;
            }
            System.out.println("balances: " + totals);
            return totals.holds() && atomic ? Drsp.DONE : Drsp.REFUSED;
        }
    }

    @Command(name = "check", description = "Check the bank invariant (balances sum to what accounts opened with) on a site.")
    static final class Check implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        DirOption dir = new DirOption();
        @Option(names = "--site", defaultValue = "production", description = "production or dr (default: ${DEFAULT-VALUE}).")
        String site;

        @Override
        public Integer call() throws SQLException {
            List<BankShard> data = SandboxBank.of(Sandbox.open(dir.dir), role(site)).dataShards();
            BankTotals totals = BankTotals.read(data);
            System.out.println(site + " balances: " + totals);
            XaJournal journal = XaJournal.read(data);
            System.out.printf("%s cross-shard transfers: %d on both their shards, torn %s, prepared branches %d%n", site,
                    journal.committedTransfers(), journal.torn(), journal.preparedBranches());
            return totals.holds() && journal.torn().isEmpty() && journal.preparedBranches() == 0 ? Drsp.DONE : Drsp.REFUSED;
        }
    }

    static Sandbox.Role role(String site) {
        return switch (site) {
            case "production" -> Sandbox.Role.PRODUCTION;
            case "dr" -> Sandbox.Role.DR;
            default -> throw new IllegalArgumentException("--site must be production or dr, not \"" + site + "\".");
        };
    }

    /** The bank's shards at one site of a sandbox. */
    record SandboxBank(BankShard meta, List<BankShard> dataShards) {
        static SandboxBank of(Sandbox sb, Sandbox.Role role) {
            String user = sb.credentials().adminUser();
            String pw = sb.credentials().adminPassword();
            List<BankShard> shards = sb.members(role).stream()
                    .map(m -> new BankShard(m.shard(), m.endpoint(), user, pw)).toList();
            return new SandboxBank(shards.get(0), shards.subList(1, shards.size()));
        }
    }
}
