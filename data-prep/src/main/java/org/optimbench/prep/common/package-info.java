/**
 * What every job shares: streaming line input with file and line numbers ({@link
 * org.optimbench.prep.common.LineSource}), the bad-row policy and reject files ({@link
 * org.optimbench.prep.common.BadRows}), stable hashing and split assignment, atomic output commit
 * ({@link org.optimbench.prep.common.AtomicOutput}), the manifest, and the picocli/YAML plumbing
 * that turns options and conf files into a job's config record.
 */
package org.optimbench.prep.common;
