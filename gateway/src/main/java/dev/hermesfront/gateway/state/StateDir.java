package dev.hermesfront.gateway.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The front's state directory ({@code state_dir}, default {@code ~/.local/state/hermes-front}): paired devices, the
 * local admin credential, the generated webhook secret. The directory is 0700 and every file 0600, written whole
 * (a temporary file moved into place), so a reader never sees half a file. Thread-safe per file name only as far as
 * its callers serialize their writes.
 */
public final class StateDir {
    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    private StateDir(Path dir) {
        this.dir = dir;
    }

    /** Opens {@code dir}, creating it 0700 when missing. */
    public static StateDir open(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            restrict(dir, DIR);
        }
        return new StateDir(dir);
    }

    /** Returns the directory. */
    public Path path() {
        return dir;
    }

    /** Returns the file {@code name} in the directory. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Returns the text of {@code name}, or empty when it does not exist. */
    public Optional<String> read(String name) throws IOException {
        Path f = file(name);
        return Files.exists(f) ? Optional.of(Files.readString(f, StandardCharsets.UTF_8)) : Optional.empty();
    }

    /** Writes {@code text} to {@code name}, 0600, replacing it whole. */
    public void write(String name, String text) throws IOException {
        Path tmp = Files.createTempFile(dir, "." + name, ".tmp");
        try {
            restrict(tmp, FILE);
            Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            try {
                Files.move(tmp, file(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file(name), StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Returns the random secret kept in {@code name}, making one (24 random bytes, base64url) the first time. The file
     * is created 0600 and never rewritten, so two fronts on one state directory agree on it.
     */
    public String secret(String name) throws IOException {
        Path f = file(name);
        if (!Files.exists(f)) {
            byte[] b = new byte[24];
            RANDOM.nextBytes(b);
            String s = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            try {
                Files.createFile(f, PosixFilePermissions.asFileAttribute(FILE));
                Files.writeString(f, s + "\n", StandardCharsets.UTF_8);
            } catch (FileAlreadyExistsException e) {
                // another process made it first: use theirs
            } catch (UnsupportedOperationException e) {
                write(name, s + "\n");
            }
        }
        return Files.readString(f, StandardCharsets.UTF_8).strip();
    }

    private static void restrict(Path p, Set<PosixFilePermission> perms) throws IOException {
        try {
            Files.setPosixFilePermissions(p, perms);
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system (Windows): the user's profile directory protects it
        }
    }
}
