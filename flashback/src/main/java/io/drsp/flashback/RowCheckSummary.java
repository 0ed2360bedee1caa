package io.drsp.flashback;

import java.time.Duration;

/**
 * What the pre-flight row check did: how long it took (what it costs is measured by {@code bench/flashback}), and how
 * many rows were found to hold their image by digest (a batch at a time) and how many had to be compared value by
 * value (batches whose digests differed, and tables the digest does not cover).
 */
public record RowCheckSummary(Duration took, long rowsByDigest, long rowsByValue) {
}
