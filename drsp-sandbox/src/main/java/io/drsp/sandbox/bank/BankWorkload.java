package io.drsp.sandbox.bank;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
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
 */
public final class BankWorkload implements AutoCloseable {
    private final List<BankShard> dataShards;
    private final int accountsPerShard;
    private final int threads;
    private final double transfersPerSecond;
    private final long seed;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong declined = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
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

    public synchronized BankWorkload start() {
        if (running) {
            return this;
        }
        running = true;
        stopped = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed + t);
            Thread worker = new Thread(() -> runWorker(random), "bank-transfer-" + t);
            worker.setDaemon(true);
            workers.add(worker);
            worker.start();
        }
        return this;
    }

    private void runWorker(RandomGenerator random) {
        long intervalNanos = (long) (threads * 1_000_000_000L / transfersPerSecond);
        long next = System.nanoTime();
        List<Connection> connections = new ArrayList<>();
        try {
            for (BankShard s : dataShards) {
                Connection c = s.connect();
                c.setAutoCommit(false);
                connections.add(c);
            }
            while (running) {
                int shardIndex = random.nextInt(dataShards.size());
                Transfer.Local t = randomLocalTransfer(random, shardIndex);
                execute(connections.get(shardIndex), t);
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
        Throwable f = failure.get();
        if (f != null) {
            throw new IllegalStateException("bank workload failed: " + f.getMessage(), f);
        }
        return stats();
    }

    public Stats stats() {
        Map<String, Long> perShard = new java.util.TreeMap<>();
        committedPerShard.forEach((k, v) -> perShard.put(k, v.get()));
        return new Stats(committed.get(), declined.get(), retried.get(), perShard);
    }

    /**
     * What the workload did: transfers committed (each one a row of {@code bank.transfers} and a transaction of its
     * shard), transfers declined for insufficient funds (rolled back, nothing written, not in {@code committed}), and
     * deadlock retries (a retried transfer counts once, as whatever it finally was).
     */
    public record Stats(long committed, long declined, long retried, Map<String, Long> committedPerShard) {
        public Stats {
            committedPerShard = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(committedPerShard)); // shard order
        }
    }

    @Override
    public void close() {
        running = false;
    }
}
