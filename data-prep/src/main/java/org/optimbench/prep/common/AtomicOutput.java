package org.optimbench.prep.common;

import java.io.IOException;
import java.io.OutputStream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An output directory committed atomically: everything is written under {@code <out>.tmp-<uuid>},
 * which is renamed to {@code <out>} when complete, and {@code _SUCCESS} is written last. Training
 * accepts only a directory with {@code _SUCCESS}, so a failed or killed job never leaves an output
 * that looks complete (at worst a {@code .tmp-} directory to delete). An existing output is kept
 * unless {@code overwrite}, and then replaced only at commit, and only if it is data-prep's own
 * ({@link OwnedOutput#DATA_PREP}): any other directory at the target is refused before the job
 * starts, and again at commit, with nothing deleted.
 */
public final class AtomicOutput {
  public static final String SUCCESS = "_SUCCESS";
  public static final String MANIFEST = "manifest.json";

  private final FileSystem fs;
  private final Path target;
  private final Path tmp;
  private final boolean overwrite;

  private AtomicOutput(FileSystem fs, Path target, boolean overwrite) {
    this.fs = fs;
    this.target = target;
    this.overwrite = overwrite;
    this.tmp = new Path(target.getParent(), target.getName() + ".tmp-" + UUID.randomUUID());
  }

  /**
   * Checks the target ({@link #checkTarget}) and reserves a temporary directory.
   *
   * @throws IllegalStateException naming the target when it may not be written
   */
  public static AtomicOutput begin(String target, boolean overwrite, Configuration conf)
      throws IOException {
    Path p = new Path(target);
    FileSystem fs = p.getFileSystem(conf);
    p = fs.makeQualified(p);
    checkTarget(fs, p, overwrite);
    AtomicOutput out = new AtomicOutput(fs, p, overwrite);
    fs.mkdirs(out.tmp);
    return out;
  }

  /**
   * Fails unless {@code target} is missing, or is data-prep's own output and {@code overwrite}: a
   * job checks every target this way before it reads any input.
   *
   * @throws IllegalStateException naming the target
   */
  public static void checkTarget(String target, boolean overwrite, Configuration conf)
      throws IOException {
    Path p = new Path(target);
    FileSystem fs = p.getFileSystem(conf);
    checkTarget(fs, fs.makeQualified(p), overwrite);
  }

  private static void checkTarget(FileSystem fs, Path p, boolean overwrite) throws IOException {
    if (!fs.exists(p)) {
      return;
    }
    boolean ours = OwnedOutput.DATA_PREP.owns(fs, p);
    if (overwrite && !ours) {
      throw new IllegalStateException("--overwrite: " + OwnedOutput.DATA_PREP.refusal(p));
    }
    if (!overwrite) {
      throw new IllegalStateException(
          "output "
              + p
              + (!ours
                  ? " already exists and is not an output of data-prep; choose another output"
                  : fs.exists(new Path(p, SUCCESS))
                      ? " already exists and is complete; pass --overwrite to replace it"
                      : " exists but is incomplete (no _SUCCESS); pass --overwrite to replace it"));
    }
  }

  /** True when {@code dir} holds a committed output. */
  public static boolean isComplete(String dir, Configuration conf) throws IOException {
    Path p = new Path(dir);
    return p.getFileSystem(conf).exists(new Path(p, SUCCESS));
  }

  public String tmpPath(String child) {
    return new Path(tmp, child).toString();
  }

  public String target() {
    return target.toString();
  }

  public FileSystem fs() {
    return fs;
  }

  public void write(String child, byte[] content) throws IOException {
    try (OutputStream o = fs.create(new Path(tmp, child), true)) {
      o.write(content);
    }
  }

  /** Writes the manifest, renames the temporary directory to the target, writes _SUCCESS. */
  public void commit(byte[] manifestJson) throws IOException {
    write(MANIFEST, manifestJson);
    if (fs.exists(target)) {
      if (!overwrite) {
        throw new IllegalStateException(
            "output " + target + " appeared while the job ran; not replacing it");
      }
      // checked again: the directory may have been replaced while the job ran
      OwnedOutput.DATA_PREP.delete(fs, target);
    }
    if (!fs.rename(tmp, target)) {
      throw new IOException("could not rename " + tmp + " to " + target);
    }
    fs.create(new Path(target, SUCCESS), true).close();
  }

  /** Deletes the temporary directory (on failure). */
  public void abort() {
    try {
      fs.delete(tmp, true);
    } catch (IOException e) {
      System.err.println("warning: could not delete " + tmp + ": " + e.getMessage());
    }
  }
}
