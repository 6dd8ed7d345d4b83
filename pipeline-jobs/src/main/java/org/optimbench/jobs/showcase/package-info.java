/**
 * {@code scripts/showcase}: a one-process demonstration that trains every optimizer named in a conf
 * (by default the whole library) on the same model (the trace contract's multinomial logistic
 * regression or one-hidden-layer tanh MLP), the same shipped LIBSVM dataset, minibatches and
 * schedule, and prints one comparison table. It picks optimizers through the registry by name,
 * without Spark; the training engine ({@code scripts/train}) runs the same optimizer specs
 * data-parallel.
 */
package org.optimbench.jobs.showcase;
