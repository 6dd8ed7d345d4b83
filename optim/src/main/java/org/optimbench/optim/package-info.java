/**
 * The optimizer library's core contract, shared by every method and every caller. An {@link
 * org.optimbench.optim.Optimizer} is an immutable configuration; its per-run state is an {@link
 * org.optimbench.optim.OptimizerState} of named arrays and double scalars, each tagged with the
 * {@link org.optimbench.optim.Combine} rule that merges it across workers; one step updates a
 * {@link org.optimbench.optim.ModelView} (one flat parameter vector, its flat gradient and the
 * {@link org.optimbench.optim.ParamLayout} of named {@link org.optimbench.optim.Segment}s) in
 * place, given a {@link org.optimbench.optim.StepContext}.
 *
 * <p>The step context carries what only some methods need: the batch loss, example ids with a
 * per-example {@link org.optimbench.optim.ExampleStore} ({@link
 * org.optimbench.optim.HashExampleStore} in memory), a {@link
 * org.optimbench.optim.HessianVectorOracle} (exact where the model has one, {@link
 * org.optimbench.optim.FiniteDifferenceHvp} otherwise), a validation {@link
 * org.optimbench.optim.GradientOracle}, the {@link org.optimbench.optim.Reducer} through which
 * every global sum passes once per step, and a {@link org.optimbench.optim.Diagnostics} sink for
 * the scalars a method reports. Callers run a step through {@link org.optimbench.optim.Optimizers}.
 *
 * <p>The methods live in subpackages by family; {@code spec} turns names and hyperparameters into
 * configured optimizers, {@code schedule} holds the learning-rate schedules and {@code trace} the
 * optimizer-trace command (docs/OPTIM-TRACE.md). The rules for global sums under data parallelism
 * are in docs/METHODS-NOTES.md, "Data-parallel correctness".
 */
package org.optimbench.optim;
