package io.drsp.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/** A PKCS12 store named in drsp.tls, opened at start so a wrong path or password is named then, not at first use. */
public final class Pkcs12 {
    private Pkcs12() {
    }

    /**
     * @param setting the setting that names the store, such as {@code remoting.key-store}
     * @throws IllegalArgumentException in one sentence naming the store and the setting, never the password
     */
    public static KeyStore open(Path file, char[] password, String setting) {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            return ks;
        } catch (IOException | GeneralSecurityException e) {
            String name = setting.substring(setting.lastIndexOf('.') + 1);
            throw new IllegalArgumentException("the TLS " + name + " " + file + " cannot be opened as a PKCS12 store with its"
                    + " password (" + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage())
                    + "); check drsp.tls." + setting + " and its password.", e);
        }
    }
}
