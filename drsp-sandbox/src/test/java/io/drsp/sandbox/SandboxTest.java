package io.drsp.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.sandbox.bank.BankSchema;
import io.drsp.sandbox.bank.BankShard;
import io.drsp.sandbox.bank.BankTotals;
import io.drsp.sandbox.bank.BankWorkload;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A whole sandbox: 2+2 shards with meta, a local replica per DR shard, the control database, and the bank. */
class SandboxTest {
    static final Path DIR = Path.of("target/sandbox-test").toAbsolutePath();
    static Sandbox sandbox;

    @BeforeAll
    static void up() {
        Sandbox.takeDownLeftover(DIR);
        sandbox = Sandbox.up(DIR, Sandbox.Options.defaults().withReplicas(1), s -> { });
    }

    @AfterAll
    static void down() {
        if (sandbox != null && Files.exists(DIR.resolve(Sandbox.STATE_FILE))) {
            sandbox.down(false);
        }
    }

    @Test
    void topologyIsWhatWasAskedFor() {
        assertEquals(List.of("meta", "s1", "s2"), sandbox.shards());
        assertEquals(3, sandbox.members(Sandbox.Role.PRODUCTION).size());
        assertEquals(3, sandbox.members(Sandbox.Role.DR).size());
        assertEquals(3, sandbox.members(Sandbox.Role.DR_REPLICA).size());
        assertEquals(1, sandbox.members(Sandbox.Role.CONTROL).size());
        assertTrue(sandbox.status().stream().allMatch(Sandbox.MemberStatus::running));
        Sandbox reopened = Sandbox.open(DIR);
        assertEquals(sandbox.members().stream().map(Sandbox.Member::endpoint).toList(),
                reopened.members().stream().map(Sandbox.Member::endpoint).toList(), "state file describes what runs");
    }

    @Test
    void drMembersAreReadOnlyAndLocalReplicasFollowTheirPrimary() throws Exception {
        Sandbox.Member primary = sandbox.drPrimary("s1");
        Sandbox.Member replica = sandbox.members(Sandbox.Role.DR_REPLICA).stream()
                .filter(m -> m.shard().equals("s1")).findFirst().orElseThrow();
        assertEquals("1", query(primary, "SELECT @@super_read_only"));
        assertEquals("1", query(replica, "SELECT @@super_read_only"));
        try (Connection c = primary.instance().connect(); Statement st = c.createStatement()) {
            st.execute("SET GLOBAL super_read_only = OFF");
            st.execute("CREATE DATABASE IF NOT EXISTS ha_probe");
            st.execute("SET GLOBAL super_read_only = ON");
        }
        String primaryGtids = query(primary, "SELECT @@gtid_executed");
        awaitTrue(Duration.ofSeconds(30), () -> {
            try {
                return query(replica, "SELECT GTID_SUBSET('" + primaryGtids + "', @@gtid_executed)").equals("1");
            } catch (SQLException e) {
                return false;
            }
        }, "local replica of dr s1 applies its primary's transactions");
    }

    @Test
    void bankWorkloadKeepsTheMoneyOnProduction() throws Exception {
        String user = sandbox.credentials().adminUser();
        String pw = sandbox.credentials().adminPassword();
        List<BankShard> shards = new ArrayList<>();
        for (Sandbox.Member m : sandbox.members(Sandbox.Role.PRODUCTION)) {
            shards.add(new BankShard(m.shard(), m.endpoint(), user, pw));
        }
        List<BankShard> data = shards.subList(1, shards.size());
        BankSchema.create(shards.get(0), data, 20);
        BankWorkload w = new BankWorkload(data, 20, 4, 400, 42).start();
        awaitTrue(Duration.ofSeconds(60), () -> w.stats().committed() >= 300, "300 transfers committed");
        BankWorkload.Stats stats = w.stop();
        BankTotals totals = BankTotals.read(data);
        assertTrue(totals.holds() && totals.holdsPerShard(), totals.toString());
        assertEquals(2, stats.committedPerShard().size());
        assertTrue(stats.committedPerShard().values().stream().allMatch(n -> n > 0), "both shards took transfers");
        String gtids = query(sandbox.production("s1"), "SELECT @@gtid_executed");
        assertTrue(io.drsp.core.gtid.GtidSet.parse(gtids).size() >= stats.committedPerShard().get("s1"),
                "every committed transfer of s1 is a GTID on s1");
    }

    @Test
    void writesAConfigNamingEveryInstanceAndOwnerOnlySecrets() throws Exception {
        String conf = Files.readString(sandbox.configFile());
        for (Sandbox.Member m : sandbox.members()) {
            assertTrue(conf.contains(m.endpoint()), "config names " + m.name());
        }
        assertFalse(conf.contains(sandbox.credentials().adminPassword()), "no password inline in the config");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(DIR.resolve("secrets/admin"))));
    }

    static String query(Sandbox.Member m, String sql) throws SQLException {
        try (Connection c = m.instance().connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    static void awaitTrue(Duration deadline, BooleanSupplier condition, String what) {
        Instant end = Instant.now().plus(deadline);
        while (Instant.now().isBefore(end)) {
            if (condition.getAsBoolean()) {
                return;
            }
            MysqlInstance.pause(Duration.ofMillis(100));
        }
        throw new AssertionError("not within " + deadline.toSeconds() + " s: " + what);
    }
}
