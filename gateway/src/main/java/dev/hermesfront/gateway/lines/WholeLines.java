package dev.hermesfront.gateway.lines;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Appends whole lines to a file that only its writer writes (the audit log, a transcript): a line is written whole
 * or, when the write fails part way, cut off again, so that the file keeps ending in a whole line and stays JSON
 * lines. The caller counts and reports a line that was not written.
 */
public final class WholeLines {
    private static final System.Logger LOG = System.getLogger(WholeLines.class.getName());

    private WholeLines() {}

    /**
     * Writes {@code bytes} (one or more whole lines) at the end of {@code ch}.
     *
     * @param what names the file in a DEBUG line when the write fails (never the line itself)
     * @return false when the bytes could not be written; the file then ends where it ended before
     */
    public static boolean append(FileChannel ch, ByteBuffer bytes, String what) {
        long start = -1;
        try {
            start = ch.size();
            while (bytes.hasRemaining()) {
                ch.write(bytes);
            }
            return true;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "{0}: write failed: {1}", what, e.getMessage());
            if (start >= 0) {
                try {
                    ch.truncate(start);
                    ch.position(start);
                } catch (IOException ignored) {
                    // nothing more to do: the next line starts after whatever is there
                }
            }
            return false;
        }
    }

    /** Returns "owner read/write only" (0600) for the files a writer creates, where the file system has POSIX permissions. */
    public static FileAttribute<?>[] ownerOnly() {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[0];
        }
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    }
}
