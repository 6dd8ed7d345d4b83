package org.optimbench.prep.libsvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where each dataset of a LIBSVM input is written, by the layout of the input. */
class LibsvmDatasetsTest {
  @TempDir Path dir;

  private Path file(String relative) throws IOException {
    Path f = dir.resolve(relative);
    Files.createDirectories(f.getParent());
    Files.writeString(f, "1 1:0.5\n");
    return f;
  }

  private List<LibsvmDatasets.Dataset> discover(Path input) throws IOException {
    return LibsvmDatasets.discover(input.toString(), "/out", new Configuration()).stream()
        .sorted(Comparator.comparing(LibsvmDatasets.Dataset::name))
        .toList();
  }

  @Test
  void aDirectoryHoldingOneDatasetAndItsTestFileIsWrittenToTheOutputItself() throws IOException {
    file("dna/dna.scale");
    file("dna/dna.scale.t");
    List<LibsvmDatasets.Dataset> ds = discover(dir.resolve("dna"));
    assertEquals(1, ds.size());
    assertEquals("/out", ds.get(0).outputPath());
    assertEquals("dna.scale", ds.get(0).name());
    assertTrue(ds.get(0).hasTestFile());
  }

  @Test
  void twoDatasetsInOneDirectoryGetOneOutputEach() throws IOException {
    file("in/a.svm");
    file("in/b.svm");
    List<LibsvmDatasets.Dataset> ds = discover(dir.resolve("in"));
    assertEquals(
        List.of("/out/a.svm", "/out/b.svm"), ds.stream().map(d -> d.outputPath()).toList());
    assertFalse(ds.get(0).hasTestFile());
  }

  @Test
  void aSuiteOfOneDatasetPerDirectoryKeepsTheDirectoryNames() throws IOException {
    file("suite/dna/dna.scale");
    file("suite/dna/dna.scale.t");
    file("suite/glass/glass.scale");
    assertEquals(
        List.of("/out/dna", "/out/glass"),
        discover(dir.resolve("suite")).stream().map(d -> d.outputPath()).toList());
    // a suite that holds one dataset's directory is still a suite
    file("one/usps/usps.t");
    assertEquals(
        List.of("/out/usps"),
        discover(dir.resolve("one")).stream().map(d -> d.outputPath()).toList());
  }
}
