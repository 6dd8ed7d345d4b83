/**
 * Specs as users write them ({@link org.optimbench.optim.spec.Spec}: a name and hyperparameters, in
 * JSON or YAML), typed and checked access to hyperparameters with the reference implementations'
 * names and defaults ({@link org.optimbench.optim.spec.Hparams}, {@link
 * org.optimbench.optim.spec.Checks}), errors that name the field by its dotted path ({@link
 * org.optimbench.optim.spec.SpecException}), and the interfaces the method families register
 * through ({@link org.optimbench.optim.spec.Registrar}, {@link
 * org.optimbench.optim.spec.NestedOptimizers}).
 */
package org.optimbench.optim.spec;
