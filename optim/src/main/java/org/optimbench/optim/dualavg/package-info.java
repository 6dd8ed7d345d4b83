/**
 * Dual-averaging and primal-averaging methods of the Defazio line: MADGRAD and Mirror MADGRAD
 * (reference code), MDA (paper form, no reference code) and SGD+M in stochastic primal averaging
 * form. None needs a global reduction. GradaGrad (arXiv 2206.06900) is not here: its Algorithm 1
 * could not be obtained, and the unverified forms in circulation were not implemented.
 */
package org.optimbench.optim.dualavg;
