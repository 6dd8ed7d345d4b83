package org.optimbench.prep.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The output directories a tool may delete: only those it wrote itself, recognised by the marker
 * files it leaves in every output. {@code --overwrite} and regenerated inputs delete through here,
 * so a mistyped path (a home directory, a dataset, another tool's output) is refused with a message
 * naming it, and nothing in it is touched. Directories on any Hadoop file system, or local ones.
 *
 * @param tool the tool, as messages name it ({@code "data-prep"})
 * @param markers files every output of the tool holds
 */
public record OwnedOutput(String tool, List<Marker> markers) {
  /**
   * A file the tool writes into every output, and text the file always contains (null: any
   * content), so that a directory that merely has a file of the same name is not taken for ours.
   */
  public record Marker(String file, String contains) {
    public static Marker file(String name) {
      return new Marker(name, null);
    }
  }

  /** Outputs of data-prep's jobs: their manifest names data-prep as the producer. */
  public static final OwnedOutput DATA_PREP =
      new OwnedOutput(
          "data-prep", List.of(new Marker(AtomicOutput.MANIFEST, Manifest.PRODUCER_TOOL)));

  public OwnedOutput {
    markers = List.copyOf(markers);
    if (markers.isEmpty()) throw new IllegalArgumentException("an output needs a marker");
  }

  /** Whether {@code dir} is a directory holding every marker. */
  public boolean owns(FileSystem fs, Path dir) throws IOException {
    if (!fs.exists(dir) || !fs.getFileStatus(dir).isDirectory()) return false;
    for (Marker m : markers) {
      Path file = new Path(dir, m.file());
      if (!fs.exists(file) || !fs.getFileStatus(file).isFile()) return false;
      if (m.contains() != null && !read(fs, file).contains(m.contains())) return false;
    }
    return true;
  }

  /** The one-line refusal for {@code dir}: what it lacks, and that nothing was deleted. */
  public String refusal(Object dir) {
    StringBuilder what = new StringBuilder();
    for (Marker m : markers) {
      if (what.length() > 0) what.append(", ");
      what.append(m.file());
      if (m.contains() != null) what.append(" naming '").append(m.contains()).append("'");
    }
    return dir
        + " is not an output of "
        + tool
        + " (no "
        + what
        + "); not deleting it: remove it yourself or choose another output";
  }

  /**
   * Fails with {@link #refusal} unless {@code dir} is missing or the tool's own output.
   *
   * @throws IllegalStateException naming {@code dir}
   */
  public void check(FileSystem fs, Path dir) throws IOException {
    check(fs, dir, dir);
  }

  /**
   * Deletes {@code dir} recursively if it is the tool's own output (nothing to do if it is
   * missing), else fails with {@link #refusal} and deletes nothing.
   *
   * @throws IllegalStateException naming {@code dir}
   */
  public void delete(FileSystem fs, Path dir) throws IOException {
    delete(fs, dir, dir);
  }

  /** {@link #owns} for a local directory. */
  public boolean owns(java.nio.file.Path dir) throws IOException {
    return owns(local(), local(dir));
  }

  /** {@link #check} for a local directory. */
  public void check(java.nio.file.Path dir) throws IOException {
    check(local(), local(dir), dir);
  }

  /** {@link #delete} for a local directory. */
  public void delete(java.nio.file.Path dir) throws IOException {
    delete(local(), local(dir), dir);
  }

  private void check(FileSystem fs, Path dir, Object shown) throws IOException {
    if (fs.exists(dir) && !owns(fs, dir)) throw new IllegalStateException(refusal(shown));
  }

  private void delete(FileSystem fs, Path dir, Object shown) throws IOException {
    check(fs, dir, shown);
    if (fs.exists(dir) && !fs.delete(dir, true)) throw new IOException("could not delete " + shown);
  }

  private static FileSystem local() throws IOException {
    return FileSystem.getLocal(new Configuration()).getRaw();
  }

  private static Path local(java.nio.file.Path dir) throws IOException {
    return local().makeQualified(new Path(dir.toAbsolutePath().toString()));
  }

  /**
   * A marker's text (markers are small, so the first 64 KiB are enough), or "" when it cannot be
   * read: a marker that is not what the tool wrote (a Hadoop checksum that no longer matches) is no
   * marker.
   */
  private static String read(FileSystem fs, Path file) {
    try (InputStream in = fs.open(file)) {
      return new String(
          in.readNBytes((int) Math.min(fs.getFileStatus(file).getLen(), 1 << 16)),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
