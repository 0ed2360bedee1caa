package io.drsp.agent.relay;

/** Compressed transactions with CRC32 from production, while the DR writes its own relay events without checksums. */
class RelayIndexCompressedMixedChecksumTest extends CompressedRelayIndexScenario {
    @Override
    String name() {
        return "relay-zstd-mixed";
    }

    @Override
    int serverIdBase() {
        return 225;
    }

    @Override
    String sourceChecksum() {
        return "CRC32";
    }

    @Override
    String drChecksum() {
        return "NONE";
    }
}
