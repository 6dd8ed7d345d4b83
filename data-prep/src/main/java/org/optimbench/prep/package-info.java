/**
 * Data preparation: Spark jobs that turn LIBSVM suites, Criteo click logs and text shards into
 * training-ready Parquet with a {@code manifest.json}. {@link org.optimbench.prep.Prepare} is the
 * one CLI ({@code scripts/prepare libsvm|criteo|text|generate-criteo}); each job class also has its
 * own {@code main} for {@code spark-submit}.
 */
package org.optimbench.prep;
