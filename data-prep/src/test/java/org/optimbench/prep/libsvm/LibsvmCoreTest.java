package org.optimbench.prep.libsvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.optimbench.prep.common.RowFormatException;

class LibsvmCoreTest {
  @Test
  void parsesTheUsualForms() throws RowFormatException {
    LibsvmRecord r = LibsvmLineParser.parse("+1 1:0.708333 2:1 13:-1 ");
    assertEquals(1.0, r.label());
    assertArrayEquals(new int[] {1, 2, 13}, r.indices());
    assertArrayEquals(new double[] {0.708333, 1, -1}, r.values());
    assertEquals(13, r.maxIndex());
  }

  @Test
  void acceptsTabsQidCommentsAndEmptyFeatureLists() throws RowFormatException {
    LibsvmRecord r = LibsvmLineParser.parse("-1\tqid:3\t4:2.5e-1  7:1 # a comment");
    assertEquals(-1.0, r.label());
    assertTrue(r.hadQid());
    assertArrayEquals(new int[] {4, 7}, r.indices());
    assertArrayEquals(new double[] {0.25, 1}, r.values());
    assertEquals(0, LibsvmLineParser.parse("3").indices().length);
    assertNull(LibsvmLineParser.parse("   "));
    assertNull(LibsvmLineParser.parse("# only a comment"));
  }

  /** One case per bad-input reason the parser reports. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "non-numeric label      | x 1:1          | non-numeric label 'x'",
        "non-integer label      | 1.5 1:1        | label 1.5 is not an integer class",
        "multilabel             | 1,2 1:1        | multilabel label '1,2' is not supported",
        "missing colon          | 1 3            | token '3' is not index:value",
        "bad index              | 1 a:1          | bad index in 'a:1': not a positive integer",
        "negative index         | 1 -2:1         | bad index in '-2:1': not a positive integer",
        "index 0                | 1 0:1          | index 0 in '0:1' (indices are 1-based)",
        "unsorted index         | 1 3:1 2:1      | unsorted index 2 after 3 (indices must ascend)",
        "duplicate index        | 1 2:1 2:1      | duplicate index 2",
        "non-numeric value      | 1 2:abc        | non-numeric value for index 2 'abc'",
        "float suffix           | 1 2:1.0f       | non-numeric value for index 2 '1.0f'",
        "NaN value              | 1 2:NaN        | NaN/Inf value for index 2 'NaN'",
        "Inf value              | 1 2:-inf       | NaN/Inf value for index 2 '-inf'",
        "overflow value         | 1 2:1e999      | NaN/Inf value for index 2 '1e999' (overflows a double)",
        "misplaced qid          | 1 2:1 qid:4    | qid token 'qid:4' must come right after the label",
      })
  void reportsEachBadInputReason(String name, String line, String reason) {
    RowFormatException e =
        assertThrows(RowFormatException.class, () -> LibsvmLineParser.parse(line));
    assertEquals(reason, e.getMessage());
  }

  @Test
  void labelsMapToClassIdsInAscendingOrder() {
    LabelMapping pm = new LabelMapping(new TreeSet<>(List.of(1.0, -1.0)));
    assertEquals("binary", pm.kind());
    assertEquals(0, pm.classOf(-1));
    assertEquals(1, pm.classOf(1));
    LabelMapping glass = new LabelMapping(new TreeSet<>(List.of(1.0, 2.0, 3.0, 5.0, 6.0, 7.0)));
    assertEquals(6, glass.numClasses());
    assertEquals(3, glass.classOf(5));
    assertEquals("{1=0, 2=1, 3=2, 5=3, 6=4, 7=5}", glass.asMap().toString());
  }

  @Test
  void minmaxScalingMatchesSvmScaleIncludingImplicitZeros() {
    FeatureScaler.Stats s =
        new FeatureScaler.Stats(3)
            .add(new int[] {1, 2}, new double[] {2, 10})
            .add(new int[] {1, 3}, new double[] {4, 7})
            .add(new int[] {1, 2, 3}, new double[] {6, 20, 7});
    FeatureScaler minmax = new FeatureScaler(FeatureScaler.Method.minmax, s);
    // feature 1 in [2, 6]; feature 2 in [0, 20] (one row omits it); feature 3 in [0, 7]
    FeatureScaler.Sparse r = minmax.apply(new int[] {1, 2}, new double[] {2, 10});
    assertArrayEquals(new int[] {1, 3}, r.indices());
    assertArrayEquals(new double[] {-1, -1}, r.values(), 1e-12);
    FeatureScaler.Sparse m =
        new FeatureScaler(FeatureScaler.Method.maxabs, s)
            .apply(new int[] {2, 3}, new double[] {-5, 7});
    assertArrayEquals(new double[] {-0.25, 1}, m.values(), 1e-12);
    FeatureScaler.Sparse u =
        new FeatureScaler(FeatureScaler.Method.unitnorm, null)
            .apply(new int[] {1, 4}, new double[] {3, 4});
    assertArrayEquals(new double[] {0.6, 0.8}, u.values(), 1e-12);
  }

  @Test
  void filesGroupIntoDatasetsWithTestFiles() {
    assertArrayEquals(
        new String[] {"dna.scale", "test"}, LibsvmDatasets.groupKey("dna.scale.t.gz"));
    assertArrayEquals(new String[] {"dna.scale", "train"}, LibsvmDatasets.groupKey("dna.scale.gz"));
    assertArrayEquals(new String[] {"a9a", "test"}, LibsvmDatasets.groupKey("a9a.test"));
    assertArrayEquals(
        new String[] {"heart_scale", "train"}, LibsvmDatasets.groupKey("heart_scale"));
  }
}
