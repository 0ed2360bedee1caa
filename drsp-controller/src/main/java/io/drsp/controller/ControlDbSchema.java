package io.drsp.controller;

import io.drsp.core.mysql.MysqlAdmin;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * drsp's own tables in the DR site's control database, created idempotently at every start. Ours rather than the
 * plugin's sample DDL: payloads are LONGBLOB, because a runbook's state can outgrow BLOB's 64 KB.
 */
final class ControlDbSchema {
    private static final String[] DDL = {
        "CREATE TABLE IF NOT EXISTS event_journal ("
            + " ordering BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE,"
            + " deleted BOOLEAN DEFAULT false NOT NULL,"
            + " persistence_id VARCHAR(255) NOT NULL,"
            + " sequence_number BIGINT NOT NULL,"
            + " writer TEXT NOT NULL,"
            + " write_timestamp BIGINT NOT NULL,"
            + " adapter_manifest TEXT NOT NULL,"
            + " event_payload LONGBLOB NOT NULL,"
            + " event_ser_id INTEGER NOT NULL,"
            + " event_ser_manifest TEXT NOT NULL,"
            + " meta_payload LONGBLOB,"
            + " meta_ser_id INTEGER,"
            + " meta_ser_manifest TEXT,"
            + " PRIMARY KEY (persistence_id, sequence_number))",
        "CREATE TABLE IF NOT EXISTS event_tag ("
            + " event_id BIGINT UNSIGNED NOT NULL,"
            + " tag VARCHAR(255) NOT NULL,"
            + " PRIMARY KEY (event_id, tag),"
            + " FOREIGN KEY (event_id) REFERENCES event_journal (ordering) ON DELETE CASCADE)",
        "CREATE TABLE IF NOT EXISTS snapshot ("
            + " persistence_id VARCHAR(255) NOT NULL,"
            + " sequence_number BIGINT NOT NULL,"
            + " created BIGINT NOT NULL,"
            + " snapshot_ser_id INTEGER NOT NULL,"
            + " snapshot_ser_manifest TEXT NOT NULL,"
            + " snapshot_payload LONGBLOB NOT NULL,"
            + " meta_ser_id INTEGER,"
            + " meta_ser_manifest TEXT,"
            + " meta_payload LONGBLOB,"
            + " PRIMARY KEY (persistence_id, sequence_number))"
    };

    private ControlDbSchema() {
    }

    static void ensure(ControlDbLogin login) {
        try (MysqlAdmin s = login.session();
             Statement st = s.connection().createStatement()) {
            st.execute("CREATE DATABASE IF NOT EXISTS `" + login.db().database().replace("`", "``") + "`");
            st.execute("USE `" + login.db().database().replace("`", "``") + "`");
            for (String ddl : DDL) {
                st.execute(ddl);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create drsp's tables in the control database " + login.db().endpoint() + "/"
                    + login.db().database() + ": " + e.getMessage(), e);
        }
    }
}
