package org.optimbench.optim.spec;

import java.util.function.Function;
import org.optimbench.optim.Optimizer;

/**
 * What a family of methods registers its optimizers with: a name, a one-line description for
 * listings, and a factory reading the hyperparameters. Each family's {@code Family.register} takes
 * one, so families know only this interface, and the registry ({@code
 * org.optimbench.optim.registry.OptimizerRegistry}) sits above them.
 */
@FunctionalInterface
public interface Registrar {
  void add(String name, String description, Function<Hparams, Optimizer> factory);
}
