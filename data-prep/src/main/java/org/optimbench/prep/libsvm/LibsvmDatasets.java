package org.optimbench.prep.libsvm;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.optimbench.prep.common.InputFile;
import org.optimbench.prep.common.InputListing;

/**
 * Finds the datasets in a LIBSVM input. A file is one dataset. In a directory (searched
 * recursively), files group into datasets by name: {@code .gz}/{@code .bz2} is dropped, and a
 * {@code .t} or {@code .test} suffix marks the test file of the dataset named without it ({@code
 * dna.scale} + {@code dna.scale.t}). A dataset with only a test file ({@code usps.t}) is treated as
 * plain data and split like any other. A single file, or a directory whose files are all one
 * dataset ({@code data/libsvm-suite/dna/}: {@code dna.scale.gz} and {@code dna.scale.t.gz}), is
 * written to {@code <output>} itself, so a training conf's {@code data.source} directory prepares
 * into its {@code data.train}. Otherwise each dataset is written to {@code <output>/<subdirectory>}
 * when it is the only dataset of its subdirectory (the suite's {@code dna/}, {@code glass/}, ...),
 * else to {@code <output>/<relative path>/<name>}.
 */
public final class LibsvmDatasets {
  private LibsvmDatasets() {}

  /**
   * One dataset: its output name, its files (ordinals in sorted order) and which are test files.
   */
  public record Dataset(
      String name, String outputPath, List<InputFile> files, List<Boolean> isTest) {
    public boolean hasTestFile() {
      return isTest.contains(true) && isTest.contains(false);
    }
  }

  /** Dataset name of a file name, and whether it is a test file. */
  static String[] groupKey(String fileName) {
    String base = fileName.replaceFirst("\\.(gz|bz2)$", "");
    for (String suffix : new String[] {".t", ".test"}) {
      if (base.endsWith(suffix) && base.length() > suffix.length()) {
        return new String[] {base.substring(0, base.length() - suffix.length()), "test"};
      }
    }
    return new String[] {base, "train"};
  }

  public static List<Dataset> discover(String input, String output, Configuration conf)
      throws IOException {
    Path root = new Path(input);
    FileSystem fs = root.getFileSystem(conf);
    if (!fs.exists(root)) {
      throw new IllegalArgumentException("input " + input + " does not exist");
    }
    root = fs.makeQualified(root);
    List<FileStatus> files = InputListing.list(input, conf);
    boolean single = !fs.getFileStatus(root).isDirectory();
    // relative directory -> group name -> files
    Map<String, Map<String, List<FileStatus>>> groups = new LinkedHashMap<>();
    for (FileStatus f : files) {
      String rel = single ? "" : relativeDir(root, f.getPath());
      String group = groupKey(f.getPath().getName())[0];
      groups
          .computeIfAbsent(rel, k -> new LinkedHashMap<>())
          .computeIfAbsent(group, k -> new ArrayList<>())
          .add(f);
    }
    boolean oneDatasetAtRoot =
        groups.size() == 1 && groups.containsKey("") && groups.get("").size() == 1;
    List<Dataset> out = new ArrayList<>();
    for (Map.Entry<String, Map<String, List<FileStatus>>> dir : groups.entrySet()) {
      for (Map.Entry<String, List<FileStatus>> g : dir.getValue().entrySet()) {
        String outPath;
        if (single || oneDatasetAtRoot) {
          outPath = output;
        } else if (!dir.getKey().isEmpty() && dir.getValue().size() == 1) {
          outPath = output + "/" + dir.getKey();
        } else {
          outPath = output + "/" + (dir.getKey().isEmpty() ? "" : dir.getKey() + "/") + g.getKey();
        }
        List<InputFile> inputs = new ArrayList<>();
        List<Boolean> test = new ArrayList<>();
        for (FileStatus f : g.getValue()) {
          inputs.add(new InputFile(f.getPath().toString(), inputs.size(), f.getLen()));
          test.add("test".equals(groupKey(f.getPath().getName())[1]));
        }
        String name =
            dir.getKey().isEmpty() || dir.getValue().size() > 1 ? g.getKey() : dir.getKey();
        out.add(new Dataset(name, outPath, inputs, test));
      }
    }
    return out;
  }

  private static String relativeDir(Path root, Path file) {
    String r = root.toUri().getPath();
    String p = file.getParent().toUri().getPath();
    return p.length() <= r.length() ? "" : p.substring(r.length() + (r.endsWith("/") ? 0 : 1));
  }
}
