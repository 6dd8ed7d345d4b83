package org.optimbench.jobs.train;

import java.io.Serializable;

/** One row of data-prep's LIBSVM Parquet: stable id, class id, sparse features (0-based), and its split. */
public record Example(long id, int label, int[] indices, double[] values, boolean valid) implements Serializable {}
