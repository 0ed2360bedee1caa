package io.drsp.sandbox.bank;

import java.math.BigDecimal;

/**
 * One money movement the workload makes. Local transfers stay inside one shard; cross-shard transfers (one XA
 * branch per shard, sharing a gtrid) are the other kind the recovery planner must keep globally consistent.
 */
public sealed interface Transfer {
    BigDecimal amount();

    record Local(BankShard shard, long from, long to, BigDecimal amount) implements Transfer {
    }

    /**
     * Money from an account of {@code payer} to one of {@code payee}: one XA branch on each shard (bqual the shard's
     * name), both prepared before either commits, every branch journaling {@code gtrid}.
     */
    record CrossShard(String gtrid, BankShard payer, long from, BankShard payee, long to, BigDecimal amount) implements Transfer {
    }
}
