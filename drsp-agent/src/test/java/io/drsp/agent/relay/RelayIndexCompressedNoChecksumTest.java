package io.drsp.agent.relay;

/** Compressed transactions, and neither server writes checksums. */
class RelayIndexCompressedNoChecksumTest extends CompressedRelayIndexScenario {
    @Override
    String name() {
        return "relay-zstd";
    }

    @Override
    int serverIdBase() {
        return 221;
    }

    @Override
    String sourceChecksum() {
        return "NONE";
    }

    @Override
    String drChecksum() {
        return "NONE";
    }
}
