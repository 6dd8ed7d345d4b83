package org.optimbench.jobs.run;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import org.optimbench.jobs.fs.Location;

/**
 * Atomic replacement of a file, so a reader sees the old or the new content and never a prefix, for
 * callers that hold a local {@link Path} or a {@link Location} on any file system (see {@link
 * Location#replace} for how each kind of file system does it). A kill leaves at most a hidden tmp
 * file ({@code .<name>.<uuid>.tmp}), which readers never open and the next writer of the directory
 * removes ({@link Location#deleteLeftovers}).
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** The content is produced by {@code body} into the temporary file. */
  public interface Body {
    void write(OutputStream out) throws IOException;
  }

  public static void write(Path target, Body body) throws IOException {
    write(Location.local(target), body);
  }

  public static void write(Location target, Body body) throws IOException {
    target.replace(body::write);
  }

  public static void writeString(Path target, String text) throws IOException {
    writeString(Location.local(target), text);
  }

  public static void writeString(Location target, String text) throws IOException {
    write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Deletes a local directory and everything in it; nothing to do when it is missing. */
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
