package io.drsp.core.mysql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.drsp.core.gtid.GtidSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ReplicaStatusTest {

    private static final String PROD = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    private static final String DR = "8a94f357-aab4-11df-86ab-c80aa9429562";

    /** A delayed link as MySQL 8.0.33 shows it while the applier waits out SOURCE_DELAY. */
    private static Map<String, String> delayedLink() {
        Map<String, String> row = new HashMap<>();
        row.put("Replica_IO_State", "Waiting for source to send event");
        row.put("Source_Host", "127.0.0.1");
        row.put("Source_Port", "3307");
        row.put("Relay_Log_File", "relay-bin.000004");
        row.put("Relay_Log_Pos", "1582");
        row.put("Replica_IO_Running", "Yes");
        row.put("Replica_SQL_Running", "Yes");
        row.put("Last_IO_Errno", "0");
        row.put("Last_IO_Error", "");
        row.put("Last_IO_Error_Timestamp", "");
        row.put("Last_SQL_Errno", "0");
        row.put("Last_SQL_Error", "");
        row.put("Last_SQL_Error_Timestamp", "");
        row.put("Seconds_Behind_Source", "3605");
        row.put("SQL_Delay", "3600");
        row.put("SQL_Remaining_Delay", "12");
        row.put("Replica_SQL_Running_State", "Waiting until SOURCE_DELAY seconds after source executed event");
        row.put("Retrieved_Gtid_Set", PROD + ":1-1000");
        row.put("Executed_Gtid_Set", PROD + ":1-420,\n" + DR + ":1-5");
        row.put("Channel_Name", "");
        row.put("Source_User", "drsp_repl");
        row.put("Auto_Position", "1");
        row.put("Relay_Log_Space", "73421");
        return row;
    }

    @Test
    void readsADelayedLink() {
        ReplicaStatus status = ReplicaStatus.fromRow(delayedLink());
        assertTrue(status.ioThreadRunning());
        assertTrue(status.sqlThreadRunning());
        assertEquals(GtidSet.of(PROD, 1, 1000), status.retrievedGtidSet());
        assertEquals(GtidSet.of(PROD, 1, 420).union(GtidSet.of(DR, 1, 5)), status.executedGtidSet());
        assertEquals(3600, status.sqlDelay());
        assertEquals(OptionalLong.of(12), status.sqlRemainingDelay());
        assertEquals(OptionalLong.of(3605), status.secondsBehindSource());
        assertEquals("relay-bin.000004", status.relayLogFile());
        assertEquals(1582, status.relayLogPos());
        assertEquals("127.0.0.1", status.sourceHost());
        assertEquals(3307, status.sourcePort());
        assertEquals("drsp_repl", status.sourceUser());
        assertTrue(status.autoPosition());
        assertEquals(73421, status.relayLogSpace());
        assertEquals(Optional.empty(), status.lastIoError());
        assertEquals(Optional.empty(), status.lastSqlError());
    }

    @Test
    void readsAStoppedLinkWithAnError() {
        Map<String, String> row = delayedLink();
        row.put("Replica_IO_Running", "Connecting");
        row.put("Replica_SQL_Running", "No");
        row.put("Last_IO_Errno", "2003");
        row.put("Last_IO_Error", "error connecting to master 'drsp_repl@127.0.0.1:3307' - retry-time: 60 retries: 1");
        row.put("Last_IO_Error_Timestamp", "240101 10:00:00");
        row.put("Seconds_Behind_Source", null);
        row.put("SQL_Remaining_Delay", null);
        ReplicaStatus status = ReplicaStatus.fromRow(row);
        assertFalse(status.ioThreadRunning());
        assertFalse(status.sqlThreadRunning());
        assertEquals(Optional.of(new ReplicationError(2003,
                "error connecting to master 'drsp_repl@127.0.0.1:3307' - retry-time: 60 retries: 1", "240101 10:00:00")),
                status.lastIoError());
        assertEquals(OptionalLong.empty(), status.secondsBehindSource());
        assertEquals(OptionalLong.empty(), status.sqlRemainingDelay());
    }

    @Test
    void refusesRowsOfServersOlderThan8022() {
        Map<String, String> row = delayedLink();
        row.put("Slave_IO_Running", row.remove("Replica_IO_Running"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReplicaStatus.fromRow(row));
        assertEquals("SHOW REPLICA STATUS has no column Replica_IO_Running, expected MySQL 8.0.22 or later", e.getMessage());
    }
}
