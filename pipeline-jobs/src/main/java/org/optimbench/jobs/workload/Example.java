package org.optimbench.jobs.workload;

import java.io.Serializable;

/**
 * One row of a data-prep output as the engine moves it between Spark and the workers: its stable
 * id, its split, and a payload whose meaning depends on the data kind (see {@code
 * workload.PreparedRows}): LIBSVM: class id, 0-based sparse indices and their values; Criteo: click
 * label, the 26 categorical ids in {@code indices} and the 13 dense features in {@code values};
 * text: one token block in {@code indices}.
 */
public record Example(long id, int label, int[] indices, double[] values, boolean valid)
    implements Serializable {}
