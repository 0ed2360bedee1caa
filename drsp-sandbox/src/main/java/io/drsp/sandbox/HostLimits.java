package io.drsp.sandbox;

/**
 * The host-wide limits a sandbox's servers draw on, as read at one moment: native AIO slots (Linux's
 * {@code fs.aio-max-nr} and the {@code fs.aio-nr} already reserved by every process) and {@code MemAvailable}.
 */
public record HostLimits(long aioMaxNr, long aioNr, long memAvailableBytes) {
}
