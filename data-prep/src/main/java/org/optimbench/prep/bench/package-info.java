/**
 * {@code scripts/bench-prep}: throughput of the prep jobs against Spark's own readers (a benchmark,
 * not a test).
 */
package org.optimbench.prep.bench;
