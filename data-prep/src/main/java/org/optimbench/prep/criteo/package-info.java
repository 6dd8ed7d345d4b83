/**
 * The Criteo click-log job (Kaggle Display Advertising and 1TB layouts) with DLRM preprocessing:
 * the byte-level line parser ({@link org.optimbench.prep.criteo.CriteoLineParser}), the transforms
 * ({@link org.optimbench.prep.criteo.CriteoTransforms}), day and split planning ({@link
 * org.optimbench.prep.criteo.DayPlan}), the Spark job ({@link
 * org.optimbench.prep.criteo.CriteoJob}) and a generator of realistic Criteo-format files ({@link
 * org.optimbench.prep.criteo.CriteoGenerator}).
 */
package org.optimbench.prep.criteo;
