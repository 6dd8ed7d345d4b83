/**
 * The LIBSVM/SVMlight job: {@link org.optimbench.prep.libsvm.LibsvmLineParser} (pure, strict, with
 * reasons), label normalization ({@link org.optimbench.prep.libsvm.LabelMapping}), optional scaling
 * ({@link org.optimbench.prep.libsvm.FeatureScaler}), dataset discovery in a suite directory
 * ({@link org.optimbench.prep.libsvm.LibsvmDatasets}) and the Spark job ({@link
 * org.optimbench.prep.libsvm.LibsvmJob}).
 */
package org.optimbench.prep.libsvm;
