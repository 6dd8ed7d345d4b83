/**
 * Learning-rate schedules: a {@link org.optimbench.optim.schedule.Schedule} is a pure function of
 * the step that returns the factor on the optimizer's base learning rate, with PyTorch {@code
 * LambdaLR} semantics. {@link org.optimbench.optim.schedule.Schedules} is the registry that builds
 * them from specs ({@code constant}, {@code linear_decay}, {@code cosine}, {@code exponential},
 * {@code step}, each with warm-up, and {@code refined}); its formulas are the ones of the
 * optimizer-trace contract (docs/OPTIM-TRACE.md).
 *
 * <p>The refined schedule is learned from data: {@link
 * org.optimbench.optim.schedule.ScheduleRefinement} turns the gradient norms a previous run logged
 * into per-step factors, {@link org.optimbench.optim.schedule.RefinedSchedule} reads and writes
 * them as a {@code step,factor} file. The {@code scripts/refine-schedule} command, which reads a
 * run's CSV or Parquet log, is pipeline-jobs' {@code org.optimbench.jobs.refine.RefineSchedule}.
 */
package org.optimbench.optim.schedule;
