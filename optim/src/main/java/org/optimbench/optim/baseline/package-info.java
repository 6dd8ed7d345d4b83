/**
 * The PyTorch baselines every method is compared against, with torch 1.13 semantics: SGD (momentum,
 * dampening, Nesterov, L2 decay), Adam, AdamW and Adagrad.
 */
package org.optimbench.optim.baseline;
