package io.drsp.flashback;

/** SQL text and the number of rows it must match; any other count means the target diverged from the binlog. */
public record RenderedStatement(String sql, int expectedRows) {
}
