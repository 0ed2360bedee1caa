package io.drsp.sandbox.bank;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Concurrent transfers between accounts at a chosen rate, as a bank's core system would make them: each transfer
 * locks both accounts in id order, moves money only if the payer has it, and journals itself, in one transaction.
 *
 * <p>With {@link #withCrossShard} a fraction of transfers moves money between two shards as one XA transaction, the
 * workload being the coordinator: a branch on each shard (bqual: the shard's name), taken in shard order so that two
 * transfers never wait for each other across shards, both prepared, then both committed (or both rolled back when the
 * payer lacks the money). Each branch journals the gtrid, so a transfer's atomicity can be checked from the data
 * alone ({@link XaJournal}). A fraction of those is abandoned part-way, as a killed application server would leave
 * it: after preparing both branches, or after committing one of them. Like a transaction manager's recovery, the
 * workload resolves each abandoned one some seconds later: commit where any branch committed, else roll back.
 */
public final class BankWorkload implements AutoCloseable {
    private final List<BankShard> dataShards;
    private final int accountsPerShard;
    private final int threads;
    private final double transfersPerSecond;
    private final long seed;
    /**
     * Part of every gtrid: two runs with one seed (production's workload, then a drill's on DR, as the demo does)
     * must not journal the same gtrid, or the atomicity oracle would count one transfer's branches twice.
     */
    private final String run = Long.toString(System.currentTimeMillis(), 36);
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong declined = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong crossCommitted = new AtomicLong();
    private final AtomicLong crossDeclined = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong resolved = new AtomicLong();
    /** Abandoned global transactions not resolved yet, with when they were abandoned (System.nanoTime). */
    private final Map<String, Long> inDoubt = new ConcurrentHashMap<>();
    private double crossShardFraction;
    private double abandonFraction;
    private long resolveAfterNanos = 3_000_000_000L;
    private Thread resolver;
    private final Map<String, AtomicLong> committedPerShard = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean running;
    private CountDownLatch stopped;

    public BankWorkload(List<BankShard> dataShards, int accountsPerShard, int threads, double transfersPerSecond, long seed) {
        if (dataShards.isEmpty()) {
            throw new IllegalArgumentException("a bank workload needs at least one data shard, got none");
        }
        BankSchema.requireAccountsPerShard(accountsPerShard, 2);
        if (threads < 1) {
            throw new IllegalArgumentException("a bank workload needs at least 1 thread, got " + threads);
        }
        // NaN fails every comparison, so it is refused by asking for what is wanted rather than ruling out what is not.
        if (!(transfersPerSecond > 0) || Double.isInfinite(transfersPerSecond)) {
            throw new IllegalArgumentException("the transfer rate must be a positive, finite number of transfers per second, got "
                    + transfersPerSecond);
        }
        this.dataShards = List.copyOf(dataShards);
        this.accountsPerShard = accountsPerShard;
        this.threads = threads;
        this.transfersPerSecond = transfersPerSecond;
        this.seed = seed;
        dataShards.forEach(s -> committedPerShard.put(s.shard(), new AtomicLong()));
    }

    /**
     * Makes {@code fraction} of transfers cross-shard XA transactions, and abandons {@code abandon} of those part-way
     * (resolved {@code resolveAfterSeconds} later). Set before {@link #start}.
     */
    public synchronized BankWorkload withCrossShard(double fraction, double abandon, double resolveAfterSeconds) {
        if (!(fraction >= 0 && fraction <= 1) || !(abandon >= 0 && abandon <= 1)) {
            throw new IllegalArgumentException("the cross-shard and abandoned fractions must be between 0 and 1, got "
                    + fraction + " and " + abandon);
        }
        if (fraction > 0 && dataShards.size() < 2) {
            throw new IllegalArgumentException("cross-shard transfers need at least 2 data shards, got " + dataShards.size());
        }
        if (!(resolveAfterSeconds >= 0) || Double.isInfinite(resolveAfterSeconds)) {
            throw new IllegalArgumentException("abandoned transfers must be resolved after a finite number of seconds, got "
                    + resolveAfterSeconds);
        }
        if (running) {
            throw new IllegalStateException("set the cross-shard fraction before starting the workload");
        }
        this.crossShardFraction = fraction;
        this.abandonFraction = abandon;
        this.resolveAfterNanos = (long) (resolveAfterSeconds * 1e9);
        return this;
    }

    public synchronized BankWorkload start() {
        if (running) {
            return this;
        }
        running = true;
        stopped = new CountDownLatch(threads);
        if (abandonFraction > 0) {
            resolver = new Thread(this::runResolver, "bank-xa-resolver");
            resolver.setDaemon(true);
            resolver.start();
        }
        for (int t = 0; t < threads; t++) {
            RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed + t);
            int worker0 = t;
            Thread worker = new Thread(() -> runWorker(worker0, random), "bank-transfer-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        return this;
    }

    private void runWorker(int worker, RandomGenerator random) {
        long intervalNanos = (long) (threads * 1_000_000_000L / transfersPerSecond);
        long next = System.nanoTime();
        List<Connection> connections = new ArrayList<>();
        List<Connection> xaConnections = new ArrayList<>();
        long n = 0;
        try {
            for (BankShard s : dataShards) {
                Connection c = s.connect();
                c.setAutoCommit(false);
                connections.add(c);
                if (crossShardFraction > 0) {
                    Connection x = s.connect(); // XA statements outside JDBC's own transactions
                    try (Statement st = x.createStatement()) {
                        st.execute("SET SESSION innodb_lock_wait_timeout = 10");
                    }
                    xaConnections.add(x);
                }
            }
            while (running) {
                if (crossShardFraction > 0 && random.nextDouble() < crossShardFraction) {
                    executeCrossShard(xaConnections, randomCrossShardTransfer(random, "bank-" + seed + "-" + run + "-" + worker + "-" + n++), random);
                } else {
                    int shardIndex = random.nextInt(dataShards.size());
                    execute(connections.get(shardIndex), randomLocalTransfer(random, shardIndex));
                }
                next += intervalNanos;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait); // pacing the offered load, not waiting for a condition
                } else if (wait < -1_000_000_000L) {
                    next = System.nanoTime(); // fell behind: do not burst to catch up
                }
            }
        } catch (SQLException | RuntimeException e) {
            if (running) {
                failure.compareAndSet(null, e);
            }
        } finally {
            connections.addAll(xaConnections);
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException ignored) {
                    // closing after failure
                }
            }
            stopped.countDown();
        }
    }

    private Transfer.Local randomLocalTransfer(RandomGenerator random, int shardIndex) {
        long first = BankSchema.firstId(shardIndex);
        long from = first + random.nextInt(accountsPerShard);
        long to;
        do {
            to = first + random.nextInt(accountsPerShard);
        } while (to == from);
        BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(10_000), 2);
        return new Transfer.Local(dataShards.get(shardIndex), from, to, amount);
    }

    private Transfer.CrossShard randomCrossShardTransfer(RandomGenerator random, String gtrid) {
        int payer = random.nextInt(dataShards.size());
        int payee;
        do {
            payee = random.nextInt(dataShards.size());
        } while (payee == payer);
        long from = BankSchema.firstId(payer) + random.nextInt(accountsPerShard);
        long to = BankSchema.firstId(payee) + random.nextInt(accountsPerShard);
        BigDecimal amount = BigDecimal.valueOf(1 + random.nextInt(10_000), 2);
        return new Transfer.CrossShard(gtrid, dataShards.get(payer), from, dataShards.get(payee), to, amount);
    }

    /**
     * One cross-shard transfer as a coordinator makes it. A lock conflict before both branches are prepared rolls
     * both back and counts a retry (the transfer is dropped, as a client would see an error); nothing is half done.
     */
    private void executeCrossShard(List<Connection> xa, Transfer.CrossShard t, RandomGenerator random) throws SQLException {
        int payerIndex = dataShards.indexOf(t.payer());
        int payeeIndex = dataShards.indexOf(t.payee());
        Connection payer = xa.get(payerIndex);
        Connection payee = xa.get(payeeIndex);
        String payerXid = xid(t.gtrid(), t.payer());
        String payeeXid = xid(t.gtrid(), t.payee());
        boolean funded;
        try {
            // branches in shard order: two cross-shard transfers never wait for each other in opposite orders
            if (payerIndex < payeeIndex) {
                funded = payerBranch(payer, payerXid, t);
                payeeBranch(payee, payeeXid, t, funded);
            } else {
                // the credit is made before the payer can be asked; an unfunded transfer rolls both back below
                payeeBranch(payee, payeeXid, t, true);
                funded = payerBranch(payer, payerXid, t);
            }
        } catch (SQLException e) {
            abort(payer, payerXid);
            abort(payee, payeeXid);
            if (e instanceof SQLTransactionRollbackException || e.getErrorCode() == 1205 || e.getErrorCode() == 1213) {
                retried.incrementAndGet();
                return;
            }
            throw e;
        }
        String decision = funded ? "XA COMMIT " : "XA ROLLBACK ";
        Connection first = payerIndex < payeeIndex ? payer : payee;
        Connection second = first == payer ? payee : payer;
        String firstXid = first == payer ? payerXid : payeeXid;
        String secondXid = first == payer ? payeeXid : payerXid;
        if (abandonFraction > 0 && random.nextDouble() < abandonFraction) {
            // a coordinator killed after preparing both, or after the first of the two decisions
            inDoubt.put(t.gtrid(), System.nanoTime());
            abandoned.incrementAndGet();
            if (random.nextBoolean()) {
                exec(first, decision + firstXid);
            }
            return;
        }
        exec(first, decision + firstXid);
        exec(second, decision + secondXid);
        if (funded) {
            crossCommitted.incrementAndGet();
            committedPerShard.get(t.payer().shard()).incrementAndGet();
            committedPerShard.get(t.payee().shard()).incrementAndGet();
        } else {
            crossDeclined.incrementAndGet();
        }
    }

    /** Debits the payer if the money is there, journals the attempt either way, and prepares; true if funded. */
    private static boolean payerBranch(Connection c, String xid, Transfer.CrossShard t) throws SQLException {
        exec(c, "XA START " + xid);
        boolean funded;
        try (PreparedStatement ps = c.prepareStatement("SELECT balance FROM bank.accounts WHERE id = ? FOR UPDATE")) {
            ps.setLong(1, t.from());
            try (ResultSet rs = ps.executeQuery()) {
                funded = rs.next() && rs.getBigDecimal(1).compareTo(t.amount()) >= 0;
            }
        }
        if (funded) {
            move(c, t.from(), t.amount().negate());
        }
        journal(c, t);
        exec(c, "XA END " + xid);
        exec(c, "XA PREPARE " + xid);
        return funded;
    }

    private static void payeeBranch(Connection c, String xid, Transfer.CrossShard t, boolean credit) throws SQLException {
        exec(c, "XA START " + xid);
        if (credit) {
            move(c, t.to(), t.amount());
        }
        journal(c, t);
        exec(c, "XA END " + xid);
        exec(c, "XA PREPARE " + xid);
    }

    private static void move(Connection c, long account, BigDecimal delta) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE bank.accounts SET balance = balance + ?, updated_at = NOW(6) WHERE id = ?")) {
            ps.setBigDecimal(1, delta);
            ps.setLong(2, account);
            ps.executeUpdate();
        }
    }

    private static void journal(Connection c, Transfer.CrossShard t) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO bank.transfers (from_id, to_id, amount, gtrid, created_at) VALUES (?, ?, ?, ?, NOW(6))")) {
            ps.setLong(1, t.from());
            ps.setLong(2, t.to());
            ps.setBigDecimal(3, t.amount());
            ps.setString(4, t.gtrid());
            ps.executeUpdate();
        }
    }

    /** Rolls a branch back whatever state it reached (active, idle, prepared); a branch that never started is fine. */
    private static void abort(Connection c, String xid) {
        for (String sql : new String[] {"XA END " + xid, "XA ROLLBACK " + xid}) {
            try {
                exec(c, sql);
            } catch (SQLException ignored) {
                // not in that state: the next statement, or nothing, applies
            }
        }
    }

    static String xid(String gtrid, BankShard shard) {
        return "'" + gtrid + "','" + shard.shard() + "'";
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /**
     * The transaction manager's recovery: resolves abandoned transfers once they are {@code resolveAfter} old. It runs
     * until the last worker has stopped, since a stopping worker may wait for a row an abandoned branch holds.
     */
    private void runResolver() {
        while (stopped.getCount() > 0) {
            try {
                resolveInDoubt(resolveAfterNanos);
            } catch (SQLException | RuntimeException e) {
                failure.compareAndSet(null, e);
                return;
            }
            LockSupport.parkNanos(200_000_000L); // the resolver's pace, not a wait for a condition
        }
    }

    /**
     * Resolves every abandoned transfer at least {@code olderThanNanos} old: commit each prepared branch where any
     * branch of it committed (its journal row is visible on some shard), else roll it back.
     */
    private void resolveInDoubt(long olderThanNanos) throws SQLException {
        synchronized (inDoubt) {
            resolveInDoubtLocked(olderThanNanos);
        }
    }

    private void resolveInDoubtLocked(long olderThanNanos) throws SQLException {
        long now = System.nanoTime();
        for (var e : List.copyOf(inDoubt.entrySet())) {
            if (now - e.getValue() < olderThanNanos) {
                continue;
            }
            String gtrid = e.getKey();
            boolean anyCommitted = false;
            for (BankShard s : dataShards) {
                try (Connection c = s.connect(); PreparedStatement ps = c.prepareStatement(
                        "SELECT COUNT(*) FROM bank.transfers WHERE gtrid = ?")) {
                    ps.setString(1, gtrid);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        anyCommitted |= rs.getLong(1) > 0;
                    }
                }
            }
            for (BankShard s : dataShards) {
                try (Connection c = s.connect(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("XA RECOVER")) {
                    List<String> branches = new ArrayList<>();
                    while (rs.next()) {
                        String data = rs.getString("data");
                        int gl = rs.getInt("gtrid_length");
                        if (data.substring(0, gl).equals(gtrid)) {
                            branches.add(xid(gtrid, new BankShard(data.substring(gl), null, null, null)));
                        }
                    }
                    for (String x : branches) {
                        st.execute((anyCommitted ? "XA COMMIT " : "XA ROLLBACK ") + x);
                    }
                }
            }
            inDoubt.remove(gtrid);
            resolved.incrementAndGet();
        }
    }

    /** Resolves every abandoned transfer now, whatever its age: production ends with no branch in doubt. */
    public void resolveAbandoned() throws SQLException {
        resolveInDoubt(0);
    }

    private void execute(Connection c, Transfer.Local t) throws SQLException {
        for (int attempt = 0; ; attempt++) {
            try {
                if (transferOnce(c, t)) {
                    committed.incrementAndGet();
                    committedPerShard.get(t.shard().shard()).incrementAndGet();
                } else {
                    declined.incrementAndGet();
                }
                return;
            } catch (SQLTransactionRollbackException e) {
                c.rollback();
                retried.incrementAndGet();
                if (attempt >= 10) {
                    throw e;
                }
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** True if the transfer committed, false if it was declined (and rolled back, having written nothing). */
    private static boolean transferOnce(Connection c, Transfer.Local t) throws SQLException {
        long lo = Math.min(t.from(), t.to());
        long hi = Math.max(t.from(), t.to());
        BigDecimal payerBalance = null;
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, balance FROM bank.accounts WHERE id IN (?, ?) ORDER BY id FOR UPDATE")) {
            ps.setLong(1, lo);
            ps.setLong(2, hi);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(1) == t.from()) {
                        payerBalance = rs.getBigDecimal(2);
                    }
                }
            }
        }
        if (payerBalance == null || payerBalance.compareTo(t.amount()) < 0) {
            c.rollback();
            return false; // insufficient funds: a real bank declines, and so do we
        }
        try (PreparedStatement debit = c.prepareStatement(
                "UPDATE bank.accounts SET balance = balance - ?, updated_at = NOW(6) WHERE id = ?");
             PreparedStatement credit = c.prepareStatement(
                     "UPDATE bank.accounts SET balance = balance + ?, updated_at = NOW(6) WHERE id = ?");
             PreparedStatement journal = c.prepareStatement(
                     "INSERT INTO bank.transfers (from_id, to_id, amount, created_at) VALUES (?, ?, ?, NOW(6))")) {
            debit.setBigDecimal(1, t.amount());
            debit.setLong(2, t.from());
            debit.executeUpdate();
            credit.setBigDecimal(1, t.amount());
            credit.setLong(2, t.to());
            credit.executeUpdate();
            journal.setLong(1, t.from());
            journal.setLong(2, t.to());
            journal.setBigDecimal(3, t.amount());
            journal.executeUpdate();
        }
        c.commit();
        return true;
    }

    /** Stops the workers, waiting for in-flight transfers; rethrows the first failure any worker met. */
    public synchronized Stats stop() {
        running = false;
        if (stopped != null) {
            try {
                if (!stopped.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("bank workers did not stop within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (resolver != null) {
            try {
                resolver.join(60_000);
                resolveAbandoned();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SQLException e) {
                failure.compareAndSet(null, e);
            }
        }
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("bank workload failed: " + f.getMessage(), f);
        }
        return stats();
    }

    public Stats stats() {
        Map<String, Long> perShard = new java.util.TreeMap<>();
        committedPerShard.forEach((k, v) -> perShard.put(k, v.get()));
        return new Stats(committed.get(), declined.get(), retried.get(), perShard, crossCommitted.get(), crossDeclined.get(),
                abandoned.get(), resolved.get());
    }

    /**
     * What the workload did: local transfers committed (each one a row of {@code bank.transfers} and a transaction of
     * its shard), transfers declined for insufficient funds (rolled back, nothing written, not in {@code committed}),
     * deadlock and lock-wait retries (a retried local transfer counts once, as whatever it finally was; a cross-shard
     * one is dropped), cross-shard transfers committed and rolled back by the coordinator, and abandoned part-way
     * (then resolved: committed where any branch had committed, else rolled back).
     */
    public record Stats(long committed, long declined, long retried, Map<String, Long> committedPerShard, long crossShardCommitted,
                        long crossShardDeclined, long abandoned, long resolved) {
        public Stats {
            committedPerShard = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(committedPerShard)); // shard order
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
