package org.optimbench.jobs.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Replace-by-rename: a file is written in full to a hidden sibling ({@code .<name>.<uuid>.tmp}),
 * forced to disk, and renamed over the target with ATOMIC_MOVE, so a reader sees the old or the new
 * content and never a prefix. A kill leaves at most a hidden tmp file, which readers never open and
 * {@link #deleteLeftovers} removes.
 */
public final class AtomicFiles {
  static final String TMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /** The content is produced by {@code body} into the temporary file. */
  public interface Body {
    void write(OutputStream out) throws IOException;
  }

  public static void write(Path target, Body body) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TMP_SUFFIX);
    try {
      try (FileChannel ch =
          FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = Channels.newOutputStream(ch);
        body.write(out);
        out.flush();
        ch.force(true);
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void writeString(Path target, String text) throws IOException {
    write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /**
   * Forces {@code file}'s content to disk (before it is renamed into place as part of a directory).
   */
  static void syncFile(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /**
   * Makes a rename inside {@code dir} durable. Linux allows fsync on a directory opened for
   * reading; other systems refuse, and there the rename is still atomic, only not yet durable.
   */
  static void syncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort, see above
    }
  }

  /**
   * Deletes the hidden tmp files {@link #write} may have left in {@code dir} when a process was
   * killed.
   */
  static void deleteLeftovers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) return;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        String n = p.getFileName().toString();
        if (n.startsWith(".") && n.endsWith(TMP_SUFFIX) && Files.isRegularFile(p))
          Files.deleteIfExists(p);
      }
    }
  }

  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) return;
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            if (exc != null) throw exc;
            Files.delete(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
