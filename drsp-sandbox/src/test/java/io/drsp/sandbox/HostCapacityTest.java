package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The arithmetic deciding whether a sandbox fits the host; the 16-shard run of bench/scale/SANDBOX.md is its check. */
class HostCapacityTest {
    private static final long GIB = 1L << 30;

    @Test
    void sixteenShardsWithAReplicaEachAreTheFiftyTwoServersMeasuredAt769AioSlotsEach() {
        HostNeeds needs = HostNeeds.of(Sandbox.Options.defaults().withShards(16).withReplicas(1));
        // production meta + 16, DR meta + 16 each with a replica, the control database
        assertEquals(17 + 34 + 1, needs.instances());
        assertEquals(52 * 769, needs.aioSlots()); // fs.aio-nr read 39,988 with all 52 running
        assertEquals(52 * (64L + 192) << 20, needs.memoryBytes());
    }

    @Test
    void innodbDefaultIoThreadsCostThreeTimesTheSlotsAndNoNativeAioCostsNone() {
        assertEquals(2305, HostNeeds.aioSlots(Map.of("innodb-read-io-threads", "4", "innodb-write-io-threads", "4")));
        assertEquals(769, HostNeeds.aioSlots(MysqlInstance.effectiveSettings(Map.of())));
        assertEquals(0, HostNeeds.aioSlots(Map.of("innodb-use-native-aio", "OFF")));
        assertEquals(5 * 1024 + 1, HostNeeds.aioSlots(MysqlInstance.effectiveSettings(
                Map.of("innodb-read-io-threads", "10", "innodb-write-io-threads", "9"))));
    }

    @Test
    void bufferPoolSizesReadAsMysqldReadsThem() {
        assertEquals(64L << 20, HostNeeds.sizeSetting(Map.of("p", "64M"), "p", 0));
        assertEquals(GIB, HostNeeds.sizeSetting(Map.of("p", "1g"), "p", 0));
        assertEquals(5_242_880, HostNeeds.sizeSetting(Map.of("p", "5242880"), "p", 0));
        assertEquals(128L << 20, HostNeeds.sizeSetting(Map.of(), "p", 128L << 20));
    }

    @Test
    void fitsWhenFreeSlotsAndMemoryCoverTheNeedsExactly() {
        HostNeeds needs = new HostNeeds(52, 39_988, 13 * GIB);
        assertEquals(Optional.empty(), HostCapacity.refusal(needs, new HostLimits(65_536, 65_536 - 39_988, 13 * GIB)));
        assertEquals(Optional.empty(), HostCapacity.refusal(needs, new HostLimits(65_536, 0, 23 * GIB)));
    }

    @Test
    void refusesAioNamingTheLimitItsValueWhatIsNeededAndTheSysctlThatFits() {
        HostNeeds needs = new HostNeeds(52, 39_988, 13 * GIB);
        assertEquals(Optional.of("the 52 mysqld of this sandbox need 39988 native AIO slots but only 25536 of the"
                        + " host's fs.aio-max-nr = 65536 are free (fs.aio-nr = 40000 in use); raise the limit with"
                        + " 'sysctl -w fs.aio-max-nr=131072' (and fs.aio-max-nr in /etc/sysctl.conf to keep it), stop"
                        + " other MySQL servers, or ask for fewer shards or replicas."),
                HostCapacity.refusal(needs, new HostLimits(65_536, 40_000, 23 * GIB)));
        // one slot short is short
        assertTrue(HostCapacity.refusal(needs, new HostLimits(65_536, 65_536 - 39_987, 23 * GIB)).isPresent());
    }

    @Test
    void suggestedLimitCoversWhatOthersHoldPlusTheSandbox() {
        HostNeeds needs = new HostNeeds(52, 39_988, 0);
        assertEquals(131_072, HostCapacity.suggestedAioMaxNr(needs, new HostLimits(65_536, 40_000, 0)));
        assertEquals(65_536, HostCapacity.suggestedAioMaxNr(needs, new HostLimits(1024, 0, 0)));
        assertEquals(196_608, HostCapacity.suggestedAioMaxNr(needs, new HostLimits(131_072, 131_072, 0)));
    }

    @Test
    void aLimitAlreadyOverrunByOthersCountsNoFreeSlotsRatherThanNegativeOnes() {
        String sentence = HostCapacity.refusal(new HostNeeds(5, 3845, GIB), new HostLimits(65_536, 66_000, 23 * GIB))
                .orElseThrow();
        assertTrue(sentence.contains("but only 0 of the host's fs.aio-max-nr = 65536 are free (fs.aio-nr = 66000 in use)"),
                sentence);
    }

    @Test
    void refusesMemoryNamingMemAvailableAndWhatIsNeeded() {
        assertEquals(Optional.of("the 52 mysqld of this sandbox need about 13.0 GiB of memory but the host's"
                        + " MemAvailable is 5.6 GiB; free memory (stop other sandboxes or programs) or ask for fewer"
                        + " shards or replicas."),
                HostCapacity.refusal(new HostNeeds(52, 39_988, 13 * GIB),
                        new HostLimits(65_536, 0, 5_871_796L * 1024)));
    }

    @Test
    void aMysqldThatStillFindsTheSlotsGoneIsExplainedInOneSentence() {
        assertEquals("mysqld dr-1-s9 could not start because the host's native AIO slots are used up"
                        + " (fs.aio-max-nr = 65536, fs.aio-nr = 65380 in use now); raise the limit with"
                        + " 'sysctl -w fs.aio-max-nr=131072' or stop other MySQL servers, and start again"
                        + " (its error log: /tmp/sb/dr-1-s9/error.log).",
                MysqlInstance.aioExhaustedSentence("dr-1-s9", Path.of("/tmp/sb/dr-1-s9/error.log"),
                        Optional.of(new HostLimits(65_536, 65_380, 0))));
    }
}
