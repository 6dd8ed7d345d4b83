/**
 * What the optimizers share and is not API: the ND4J-op vector primitives of the generic path
 * ({@link org.optimbench.optim.internal.Vec}), the fused CPU path that replaces them on ND4J's CPU
 * backend ({@link org.optimbench.optim.internal.Fused}), and Python's min/max semantics ({@link
 * org.optimbench.optim.internal.PyMath}).
 */
package org.optimbench.optim.internal;
