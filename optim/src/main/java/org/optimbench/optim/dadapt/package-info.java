/**
 * D-Adaptation (SGD, Adam, AdaGrad) and Prodigy: learning-rate-free methods that estimate the
 * distance to the solution d from the iterates and use d * lr as the step size. Each method reduces
 * its per-step global sums through the step context's reducer once per step, and merges worker
 * states by averaging statistics and recomputing d once ({@code reconcile}).
 */
package org.optimbench.optim.dadapt;
