package org.optimbench.jobs.collective;

import java.io.Serializable;
import java.util.function.BiFunction;

/** A {@link BiFunction} Spark can ship to executors. */
@FunctionalInterface
public interface SerializableBiFunction<T, U, R> extends BiFunction<T, U, R>, Serializable {}
