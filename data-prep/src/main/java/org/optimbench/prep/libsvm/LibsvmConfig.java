package org.optimbench.prep.libsvm;

import java.util.Map;

/**
 * Parameters of the LIBSVM job. Keys in a conf file are the option names ({@code valid-fraction}).
 *
 * @param input a file or a directory of datasets
 * @param output output directory (one dataset) or parent of one directory per dataset
 * @param overwrite replace existing outputs
 * @param maxBadRows malformed rows to skip per dataset (0: fail on the first)
 * @param seed seed of the split assignment
 * @param validFraction fraction of rows for valid (of the training file when a test file exists)
 * @param testFraction fraction of rows for test; ignored when the dataset has a {@code .t} file
 * @param scale feature scaling: none, minmax ([-1,1] as svm-scale), maxabs, unitnorm
 * @param numFeatures the dimension for every dataset (null: inferred as the largest index)
 * @param dimensions per-dataset dimensions by dataset name ({@code a1a: 123}); wins over
 *     numFeatures
 */
public record LibsvmConfig(
    String input,
    String output,
    Boolean overwrite,
    Long maxBadRows,
    Long seed,
    Double validFraction,
    Double testFraction,
    FeatureScaler.Method scale,
    Integer numFeatures,
    Map<String, Integer> dimensions) {
  public LibsvmConfig {
    if (input == null) {
      throw new IllegalArgumentException(
          "input is required (--input or 'input:' in the conf file)");
    }
    if (output == null) {
      throw new IllegalArgumentException(
          "output is required (--output or 'output:' in the conf file)");
    }
    overwrite = overwrite != null && overwrite;
    maxBadRows = maxBadRows == null ? 0L : maxBadRows;
    seed = seed == null ? 0L : seed;
    validFraction = validFraction == null ? 0.1 : validFraction;
    testFraction = testFraction == null ? 0.1 : testFraction;
    scale = scale == null ? FeatureScaler.Method.none : scale;
    dimensions = dimensions == null ? Map.of() : Map.copyOf(dimensions);
    if (numFeatures != null && numFeatures < 1) {
      throw new IllegalArgumentException("num-features (" + numFeatures + ") must be >= 1");
    }
    new org.optimbench.prep.common.SplitAssigner(seed, validFraction, testFraction); // validates
  }

  /** The dimension to use for a dataset, or null to infer it. */
  public Integer dimensionOf(String dataset) {
    return dimensions.getOrDefault(dataset, numFeatures);
  }
}
