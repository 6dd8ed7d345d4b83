/**
 * The one registry from optimizer name to factory ({@link
 * org.optimbench.optim.registry.OptimizerRegistry}), used by conf files, the training engine, the
 * trace command and the tests. It sits above the method families, which register through {@link
 * org.optimbench.optim.spec.Registrar} and never depend on it.
 */
package org.optimbench.optim.registry;
