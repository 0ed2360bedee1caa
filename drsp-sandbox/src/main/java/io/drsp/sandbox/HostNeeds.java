package io.drsp.sandbox;

import java.util.Map;

/** What the servers of one requested sandbox will take from the host once started. */
public record HostNeeds(int instances, long aioSlots, long memoryBytes) {
    /**
     * Native AIO slots one mysqld reserves at start, by io_setup() per InnoDB I/O segment: 256 for each read thread,
     * each write thread and the insert-buffer segment, plus one. That is 769 with one reader and one writer and 2,305
     * with InnoDB's default four of each, both as measured from fs.aio-nr on this project's 2-core test machine.
     */
    static long aioSlots(Map<String, String> settings) {
        if (isOff(settings.get("innodb-use-native-aio"))) {
            return 0;
        }
        int readers = intSetting(settings, "innodb-read-io-threads", 4);
        int writers = intSetting(settings, "innodb-write-io-threads", 4);
        return (readers + writers + 1) * 256L + 1;
    }

    /**
     * Memory one mysqld holds once it has run the bank workload: its buffer pool, which fills as pages are read,
     * plus what the rest of the server took in the 16-shard measurement of bench/scale/SANDBOX.md (about 190 MiB
     * resident with the sandbox's performance_schema sizing), rounded up.
     */
    static long memoryBytes(Map<String, String> settings) {
        return sizeSetting(settings, "innodb-buffer-pool-size", 128L << 20) + (192L << 20);
    }

    /** What a sandbox of {@code options} needs: every server {@link Sandbox} would start, with its settings. */
    public static HostNeeds of(Sandbox.Options options) {
        int dataServers = (options.shards() + 1) * (2 + options.drReplicasPerShard()); // meta counts as a shard
        Map<String, String> data = MysqlInstance.effectiveSettings(options.extraSettings());
        Map<String, String> control = MysqlInstance.effectiveSettings(Map.of());
        return new HostNeeds(dataServers + 1,
                dataServers * aioSlots(data) + aioSlots(control),
                dataServers * memoryBytes(data) + memoryBytes(control));
    }

    private static boolean isOff(String value) {
        return value != null && (value.equalsIgnoreCase("OFF") || value.equals("0") || value.equalsIgnoreCase("FALSE"));
    }

    private static int intSetting(Map<String, String> settings, String name, int mysqlDefault) {
        String v = settings.get(name);
        return v == null || v.equals(MysqlInstance.DROP) ? mysqlDefault : Integer.parseInt(v.trim());
    }

    /** A size as mysqld reads it: bytes, or a number with K, M or G. */
    static long sizeSetting(Map<String, String> settings, String name, long mysqlDefault) {
        String v = settings.get(name);
        if (v == null || v.equals(MysqlInstance.DROP)) {
            return mysqlDefault;
        }
        v = v.trim().toUpperCase(java.util.Locale.ROOT);
        int shift = switch (v.charAt(v.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            default -> 0;
        };
        return Long.parseLong(shift == 0 ? v : v.substring(0, v.length() - 1)) << shift;
    }
}
