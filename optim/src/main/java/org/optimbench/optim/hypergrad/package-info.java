/**
 * Learning rates adapted by hypergradients: hypergradient descent for SGD and Adam ({@code sgd_hd},
 * {@code adam_hd}; Baydin et al.), and MARTHE with its special case RTHO ({@code marthe}, {@code
 * rtho}; Donini et al., Franceschi et al.) over SGD, heavy-ball SGD or Adam dynamics. All follow
 * the code of awslabs/adatune step for step, quirks included (named in each class). {@link
 * org.optimbench.optim.hypergrad.Family} registers them.
 */
package org.optimbench.optim.hypergrad;
