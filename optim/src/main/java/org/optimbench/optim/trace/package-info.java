/**
 * The optimizer-trace command ({@code scripts/optim-trace PROBLEM.json OUT.csv}, contract in
 * docs/OPTIM-TRACE.md): replays one optimizer on a tiny problem written out in full and writes the
 * batch loss and every parameter of every step, so a trace can be compared line by line with the
 * reference implementation's.
 *
 * <p>{@link org.optimbench.optim.trace.TraceProblem} parses and validates the problem file (every
 * error names its JSON field), {@link org.optimbench.optim.trace.SoftmaxMlp} is the contract's
 * model with exact gradients and exact Hessian-vector products, {@link
 * org.optimbench.optim.trace.TraceRunner} runs the steps through the same registry, schedules and
 * {@code Optimizers.step} as training does, and {@link org.optimbench.optim.trace.OptimTrace} is
 * the command with its exit codes. The golden traces of the papers' reference code are checked
 * against it by {@code GoldenTraceTest}.
 */
package org.optimbench.optim.trace;
