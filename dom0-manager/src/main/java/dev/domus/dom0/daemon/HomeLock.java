package dev.domus.dom0.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one-domusd-per-home guard: an exclusive OS file lock on {@code DIR/domusd.lock},
 * held for the daemon's life and released by the kernel even when the daemon is killed
 * with SIGKILL (so a crash never leaves a home locked). The file holds the owner's pid, for
 * the error message a second daemon prints.
 */
public final class HomeLock implements AutoCloseable {

    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock, or fails with a message naming the running daemon's pid.
     *
     * @throws DaemonException when another domusd holds this home
     */
    public static HomeLock acquire(Path home) throws IOException, DaemonException {
        Path file = home.resolve("domusd.lock");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            String owner = "";
            try {
                owner = Files.readString(file).trim();
            } catch (IOException ignored) {
                // the pid is only for the message
            }
            ch.close();
            throw new DaemonException("another domusd is already running on home " + home
                    + (owner.isEmpty() ? "" : " (pid " + owner + ")")
                    + ": stop it first, or start this one with a different --home");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        ch.force(false);
        return new HomeLock(ch, lock);
    }

    @Override
    public void close() throws IOException {
        lock.release();
        channel.close();
    }
}
