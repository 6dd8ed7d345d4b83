package org.optimbench.prep.common;

import java.nio.charset.StandardCharsets;

/**
 * Hash functions whose values never change between JVMs, Spark versions or runs: splitmix64's
 * finalizer for longs and FNV-1a (64 bit) followed by that finalizer for bytes. Row ids, split
 * assignment and categorical hashing are built on these, so changing them changes every output.
 */
public final class StableHash {
  private StableHash() {}

  /** splitmix64 finalizer: a bijection on longs with good avalanche. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }

  /** Hash of {@code value} under {@code seed}. */
  public static long hash(long seed, long value) {
    return mix64(value ^ mix64(seed + 0x9e3779b97f4a7c15L));
  }

  public static long hashBytes(long seed, byte[] bytes, int off, int len) {
    long h = 0xcbf29ce484222325L ^ mix64(seed);
    for (int i = off; i < off + len; i++) {
      h ^= bytes[i] & 0xff;
      h *= 0x100000001b3L;
    }
    return mix64(h ^ len);
  }

  public static long hashString(long seed, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return hashBytes(seed, b, 0, b.length);
  }

  /** A double uniform in [0, 1) from the top 53 bits of a hash. */
  public static double unit(long hash) {
    return (hash >>> 11) * 0x1.0p-53;
  }
}
