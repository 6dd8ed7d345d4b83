/**
 * DL4J networks as the optim library sees a model ({@link org.optimbench.jobs.model.NetworkModel}:
 * one flat parameter vector, the gradient view aligned with it, the segment table), the embedding
 * tables inside that vector ({@link org.optimbench.optim.EmbeddingTable}), the first layer for
 * sparse rows ({@link org.optimbench.jobs.model.SparseLinear}, fed batches encoded by {@link
 * org.optimbench.jobs.model.SparseBatch}), and the freeing of native memory that batches and
 * evaluations allocate ({@link org.optimbench.jobs.model.NativeArrays}).
 */
package org.optimbench.jobs.model;
