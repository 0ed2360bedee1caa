package io.drsp.core.config;

import java.util.Objects;

/**
 * A MySQL account drsp uses, under the key other settings refer to it by.
 *
 * @param key      the key under {@code drsp.users}, such as {@code admin}
 * @param name     the MySQL user name
 * @param password where its password is read from
 */
public record UserRef(String key, String name, PasswordRef password) {
    public UserRef {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(password, "password");
    }
}
