package io.drsp.controller;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/** The bearer token of the controller's API: made at first start in an owner-only file, which the CLI reads. */
public final class ApiToken {
    private final String value;

    private ApiToken(String value) {
        this.value = value;
    }

    public static ApiToken loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                byte[] b = new byte[32];
                new SecureRandom().nextBytes(b);
                Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), file.getFileName() + ".", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                try {
                    Files.writeString(tmp, HexFormat.of().formatHex(b) + "\n");
                    // A link, not a rename: several controllers starting at once on one home must all end up with the
                    // first one's token, and a link to an existing name fails where a rename would replace it.
                    Files.createLink(file, tmp);
                } catch (java.nio.file.FileAlreadyExistsException someoneElseWasFirst) {
                    // read theirs below
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return read(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the API token file " + file, e);
        }
    }

    /** Reads an existing token, refusing a file others could read, as ssh refuses a loose key. */
    public static ApiToken read(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                throw new IllegalStateException("the API token file " + file + " is readable by others; run chmod 600 " + file);
            }
            return new ApiToken(Files.readString(file).trim());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the API token file " + file
                    + " (has the controller been started with this config?)", e);
        }
    }

    public String value() {
        return value;
    }

    /** Constant-time comparison of an {@code Authorization} header against the token. */
    public boolean accepts(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            return false;
        }
        return MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8),
                authorizationHeader.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ApiToken[***]";
    }
}
