/**
 * Files on any Hadoop file system for the jobs that train and compare: {@link
 * org.optimbench.jobs.fs.Location} (a qualified path with the reads, listings and the two kinds of
 * committed writes run directories need: atomic replacement and write-once) and {@link
 * org.optimbench.jobs.fs.HadoopConfs} (the configuration a driver or an executor reaches its file
 * systems with). docs/STORAGE.md describes the commit protocol built on them.
 */
package org.optimbench.jobs.fs;
