package org.optimbench.optim.schedule;

/**
 * A learning-rate schedule: a pure function of the 0-based step that returns the factor by which
 * the optimizer's base learning rate is multiplied (PyTorch {@code LambdaLR} semantics: the first
 * step uses {@code factor(0)}).
 */
@FunctionalInterface
public interface Schedule {
  double factor(long step);

  Schedule CONSTANT = step -> 1.0;
}
