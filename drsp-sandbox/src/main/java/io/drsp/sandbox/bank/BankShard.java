package io.drsp.sandbox.bank;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** Where one shard of the bank lives and how to reach it. */
public record BankShard(String shard, String endpoint, String user, String password) {
    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:mysql://" + endpoint + "/?useSSL=false&allowPublicKeyRetrieval=true"
                + "&connectTimeout=3000&socketTimeout=60000", user, password);
    }

    @Override
    public String toString() {
        return shard + "@" + endpoint;
    }
}
