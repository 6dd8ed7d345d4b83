/**
 * Run configuration: a conf file plus {@code key=value} overrides becomes one typed, checked {@link
 * org.optimbench.jobs.conf.RunConfig} per run of its sweep ({@link
 * org.optimbench.jobs.conf.RunConf#load}), with the optimizer, schedule and workload specs resolved
 * through their registries. Every error of every run is collected ({@link
 * org.optimbench.jobs.conf.ConfErrors}, one line each naming the key) before anything starts; code
 * that holds a {@code RunConfig} can trust it.
 */
package org.optimbench.jobs.conf;
