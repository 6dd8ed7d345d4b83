package org.optimbench.jobs.fs;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A file or directory on any Hadoop file system ({@code file:}, {@code hdfs:}, {@code s3a:}, {@code
 * gs:}, ...), fully qualified, with the few operations run directories, comparisons and schedules
 * need, and the two ways of writing a small file that readers may look at while it is written:
 *
 * <ul>
 *   <li>{@link #replace}: an atomic replacement. Readers see the old content or the new one, never
 *       a prefix. Where the file system renames a file atomically ({@link #renamesAtomically}:
 *       {@code file}, {@code hdfs}, {@code webhdfs}, {@code viewfs}) the content goes to a hidden
 *       sibling {@code .<name>.<uuid>.tmp} that is renamed over the target; elsewhere (object
 *       stores: S3, GCS, Azure, ...) it is one whole-object write, which the store makes visible
 *       only when the upload completes at close, and which replaces the old object in one step,
 *       where a rename would be a copy and a delete.
 *   <li>{@link #createOnce}: the same, but never over an existing file: the write fails with {@link
 *       FileAlreadyExistsException} if the target exists. On {@code file:} and {@code hdfs:} two
 *       writers racing for the same name cannot both succeed (a hard link, an HDFS rename without
 *       overwrite); on object stores it is a check then a write (Hadoop 3.3's connectors have no
 *       conditional put), so a race there is narrowed, not excluded.
 * </ul>
 *
 * <p>A scheme-less path is resolved as Hadoop resolves it: against the default file system ({@code
 * fs.defaultFS}, {@code file:///} unless the cluster's configuration says otherwise) and, when
 * relative, against the working directory, which for {@code file:} is the process's. {@code file:}
 * uses Hadoop's raw local file system, so no {@code .crc} side files appear next to what is
 * written. {@link #toString} shows a local file as its plain path (as messages showed it before
 * Hadoop was involved) and anything else as its URI; {@link #uri} is always the URI.
 */
public final class Location {
  private static final String TMP_SUFFIX = ".tmp";
  private static final Set<String> ATOMIC_RENAME =
      Set.of("file", "hdfs", "webhdfs", "swebhdfs", "viewfs");
  private static volatile Configuration localConf;

  private final FileSystem fs;
  private final Path path;

  private Location(FileSystem fs, Path path) {
    this.fs = fs;
    this.path = path;
  }

  /** {@code pathOrUri} on its file system, under the {@link HadoopConfs#current} configuration. */
  public static Location of(String pathOrUri) throws IOException {
    return of(pathOrUri, HadoopConfs.current());
  }

  public static Location of(String pathOrUri, Configuration conf) throws IOException {
    if (pathOrUri == null || pathOrUri.isBlank())
      throw new IllegalArgumentException("an empty path names no file");
    return of(new Path(pathOrUri), conf);
  }

  public static Location of(Path path, Configuration conf) throws IOException {
    FileSystem fs = path.getFileSystem(conf);
    if (fs instanceof LocalFileSystem checksummed) fs = checksummed.getRaw();
    return new Location(fs, fs.makeQualified(path));
  }

  /** A local file or directory. */
  public static Location local(java.nio.file.Path p) {
    try {
      return of(new Path(p.toAbsolutePath().normalize().toUri()), localConf());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // the local file system is always there
    }
  }

  private static Configuration localConf() {
    Configuration c = localConf;
    if (c == null) localConf = c = new Configuration();
    return c;
  }

  public FileSystem fs() {
    return fs;
  }

  /** The qualified Hadoop path. */
  public Path path() {
    return path;
  }

  /** The fully qualified URI, e.g. {@code hdfs://nn:8020/runs/a} or {@code file:/home/u/runs/a}. */
  public String uri() {
    return path.toString();
  }

  public String scheme() {
    return path.toUri().getScheme().toLowerCase(Locale.ROOT);
  }

  public boolean isLocal() {
    return fs instanceof RawLocalFileSystem;
  }

  /** The local path of a {@code file:} location; any other is an error naming it. */
  public java.nio.file.Path toLocalPath() {
    if (!isLocal()) throw new IllegalStateException(this + " is not a local file");
    return java.nio.file.Path.of(path.toUri());
  }

  public String name() {
    return path.getName();
  }

  public Location resolve(String child) {
    return new Location(fs, new Path(path, child));
  }

  /** The parent directory, or null for the root. */
  public Location parent() {
    Path p = path.getParent();
    return p == null ? null : new Location(fs, p);
  }

  /**
   * Whether a rename of a file to a name that exists replaces it in one atomic step, so that {@link
   * #replace} goes through a temporary file. Decided by the scheme: Hadoop 3.3 has no path
   * capability that says so, and the object stores' connectors (s3a, gs, abfs, wasb, oss, ...)
   * implement rename as copy and delete, so every scheme not listed is written as whole objects.
   */
  public boolean renamesAtomically() {
    return renamesAtomically(scheme());
  }

  static boolean renamesAtomically(String scheme) {
    return ATOMIC_RENAME.contains(scheme);
  }

  public Optional<FileStatus> status() throws IOException {
    try {
      return Optional.of(fs.getFileStatus(path));
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  public boolean exists() throws IOException {
    return status().isPresent();
  }

  public boolean isDirectory() throws IOException {
    return status().map(FileStatus::isDirectory).orElse(false);
  }

  public boolean isFile() throws IOException {
    return status().map(FileStatus::isFile).orElse(false);
  }

  /** The size of a file in bytes. */
  public long length() throws IOException {
    return fs.getFileStatus(path).getLen();
  }

  /** The entries of a directory, by name; none when it does not exist. */
  public List<Location> list() throws IOException {
    FileStatus[] entries;
    try {
      entries = fs.listStatus(path);
    } catch (FileNotFoundException e) {
      return List.of();
    }
    List<Location> out = new ArrayList<>();
    for (FileStatus s : entries) out.add(new Location(fs, s.getPath()));
    out.sort(Comparator.comparing(Location::name));
    return out;
  }

  public void mkdirs() throws IOException {
    if (!fs.mkdirs(path)) throw new IOException("could not create the directory " + this);
  }

  /** Deletes the file, or the directory with everything in it; nothing to do when missing. */
  public void delete() throws IOException {
    if (!fs.delete(path, true) && exists()) throw new IOException("could not delete " + this);
  }

  /**
   * Renames this file or directory to {@code target}, which must not exist (atomic where {@link
   * #renamesAtomically}; a copy and a delete on object stores).
   */
  public void renameTo(Location target) throws IOException {
    if (!fs.rename(path, target.path))
      throw new IOException("could not rename " + this + " to " + target);
  }

  /**
   * Reads the file.
   *
   * @throws FileNotFoundException when it does not exist
   */
  public InputStream open() throws IOException {
    return fs.open(path);
  }

  public byte[] readBytes() throws IOException {
    try (InputStream in = open()) {
      return in.readAllBytes();
    }
  }

  /**
   * The file's text (UTF-8).
   *
   * @throws FileNotFoundException when it does not exist
   */
  public String readString() throws IOException {
    return new String(readBytes(), StandardCharsets.UTF_8);
  }

  /** The file's text, or empty when it does not exist. */
  public Optional<String> readStringIfExists() throws IOException {
    try {
      return Optional.of(readString());
    } catch (FileNotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * A new file for streaming a large body into (a checkpoint's data); unlike {@link #replace} it is
   * visible while written on file systems that are not object stores, so only write files this way
   * that a reader trusts through a marker written after them.
   */
  public FSDataOutputStream create(boolean overwrite) throws IOException {
    return fs.create(path, overwrite);
  }

  /** The content of a file written by {@link #replace} or {@link #createOnce}. */
  public interface Body {
    void write(OutputStream out) throws IOException;
  }

  public void replace(String text) throws IOException {
    replace(out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Replaces the file atomically (see the class comment); the parent directory must exist. */
  public void replace(Body body) throws IOException {
    if (isLocal()) {
      replaceLocal(body);
    } else if (renamesAtomically()) {
      Location tmp = temporarySibling();
      try {
        writeWhole(tmp, body, true);
        FileUtil.rename(fs, tmp.path, path, Options.Rename.OVERWRITE);
      } finally {
        fs.delete(tmp.path, false);
      }
    } else {
      writeWhole(this, body, false);
    }
  }

  /**
   * Writes the file unless it exists, atomically (see the class comment).
   *
   * @throws FileAlreadyExistsException naming it when it exists
   */
  public void createOnce(Body body) throws IOException {
    if (isLocal()) {
      createOnceLocal(body);
    } else if (renamesAtomically()) {
      Location tmp = temporarySibling();
      try {
        writeWhole(tmp, body, true);
        if (!fs.rename(tmp.path, path)) {
          if (exists()) throw new FileAlreadyExistsException(toString());
          throw new IOException("could not rename " + tmp + " to " + this);
        }
      } finally {
        fs.delete(tmp.path, false);
      }
    } else {
      if (exists()) throw new FileAlreadyExistsException(toString());
      try (OutputStream out = fs.create(path, false)) {
        body.write(out);
      } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
        throw new FileAlreadyExistsException(toString());
      }
    }
  }

  /**
   * Deletes the hidden temporary files ({@code .<name>.<uuid>.tmp}) that {@link #replace} and
   * {@link #createOnce} leave in this directory when a process is killed in the middle.
   */
  public void deleteLeftovers() throws IOException {
    for (Location l : list()) {
      String n = l.name();
      if (n.startsWith(".") && n.endsWith(TMP_SUFFIX) && l.isFile()) l.fs.delete(l.path, false);
    }
  }

  private Location temporarySibling() {
    return new Location(
        fs, new Path(path.getParent(), "." + name() + "." + UUID.randomUUID() + TMP_SUFFIX));
  }

  /**
   * {@code sync}: durable before a rename makes it visible. Not on object stores, whose upload at
   * close is the durability, and whose streams (S3A) refuse hsync.
   */
  private static void writeWhole(Location target, Body body, boolean sync) throws IOException {
    try (FSDataOutputStream out = target.fs.create(target.path, true)) {
      body.write(out);
      if (sync) out.hsync();
    }
  }

  /**
   * Local files keep the exact semantics they had: content forced to disk, renamed with ATOMIC_MOVE
   * over the target, the directory synced.
   */
  private void replaceLocal(Body body) throws IOException {
    java.nio.file.Path target = toLocalPath();
    java.nio.file.Path tmp = writeLocalTemporary(target, body);
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      syncDirectory(target.getParent());
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A hard link does not replace an existing name, and the name appears with the complete content;
   * a file system without hard links gets an exclusive create and the content written into it.
   */
  private void createOnceLocal(Body body) throws IOException {
    java.nio.file.Path target = toLocalPath();
    java.nio.file.Path tmp = writeLocalTemporary(target, body);
    try {
      Files.createLink(target, tmp);
      syncDirectory(target.getParent());
    } catch (UnsupportedOperationException e) {
      try (OutputStream out =
          Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        body.write(out);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static java.nio.file.Path writeLocalTemporary(java.nio.file.Path target, Body body)
      throws IOException {
    java.nio.file.Path dir = target.getParent();
    java.nio.file.Path tmp =
        dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TMP_SUFFIX);
    boolean written = false;
    try (FileChannel ch =
        FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      OutputStream out = Channels.newOutputStream(ch);
      body.write(out);
      out.flush();
      ch.force(true);
      written = true;
    } finally {
      if (!written) Files.deleteIfExists(tmp);
    }
    return tmp;
  }

  /**
   * Makes a rename inside {@code dir} durable. Linux allows fsync on a directory opened for
   * reading; other systems refuse, and there the rename is still atomic, only not yet durable.
   */
  public static void syncDirectory(java.nio.file.Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort, see above
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Location l && l.path.equals(path);
  }

  @Override
  public int hashCode() {
    return Objects.hash(path);
  }

  /** A local file as its plain path, anything else as its URI. */
  @Override
  public String toString() {
    return isLocal() ? path.toUri().getPath() : path.toString();
  }
}
