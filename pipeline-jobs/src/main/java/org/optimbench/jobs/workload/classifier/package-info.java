/**
 * The classification workloads on data-prep's LIBSVM output: multinomial logistic regression
 * ({@code logreg}) and an MLP ({@code mlp}), as DL4J networks whose parameters the optim library
 * updates.
 */
package org.optimbench.jobs.workload.classifier;
