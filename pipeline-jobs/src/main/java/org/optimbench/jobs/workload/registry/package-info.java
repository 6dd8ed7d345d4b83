/**
 * The registry of workloads by name ({@link org.optimbench.jobs.workload.registry.Workloads}) and a
 * conf's checked choice of one ({@link org.optimbench.jobs.workload.registry.WorkloadChoice}). It
 * sits above the workload packages it names, so none of them depends on it.
 */
package org.optimbench.jobs.workload.registry;
