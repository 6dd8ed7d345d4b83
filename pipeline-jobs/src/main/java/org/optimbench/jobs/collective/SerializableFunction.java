package org.optimbench.jobs.collective;

import java.io.Serializable;
import java.util.function.Function;

/** A {@link Function} Spark can ship to executors. */
@FunctionalInterface
public interface SerializableFunction<T, R> extends Function<T, R>, Serializable {}
