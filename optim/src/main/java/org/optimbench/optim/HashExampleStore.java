package org.optimbench.optim;

import java.util.Arrays;

/**
 * An in-memory {@link ExampleStore}: a primitive open-addressing hash map from {@code long} id to
 * {@code double} value (linear probing, power-of-two capacity, load factor at most 1/2), so a value
 * costs two primitive slots and nothing is boxed. One instance holds the examples of one data
 * partition; a trainer keeps one per partition next to the data, so memory follows the partition
 * and not the dataset (hundreds of millions of rows split over many executors).
 *
 * <p>Ids are arbitrary longs (no sentinel is reserved: a separate occupancy bitmap marks used
 * slots). Values may be any double, NaN included (a NaN written is read back as NaN, which reads
 * the same as "never written"). Not thread-safe: one trainer thread per partition.
 */
public final class HashExampleStore implements ExampleStore {
  private static final int MIN_CAPACITY = 16;

  /** Largest power-of-two array length Java allows. */
  private static final int MAX_CAPACITY = 1 << 30;

  private long[] keys;
  private double[] values;
  private long[] used; // occupancy bitmap, one bit per slot
  private int mask;
  private long size;

  public HashExampleStore() {
    this(MIN_CAPACITY);
  }

  /** A store sized for about {@code expected} ids without rehashing. */
  public HashExampleStore(long expected) {
    if (expected < 0)
      throw new IllegalArgumentException("expected size must be >= 0, got " + expected);
    allocate(capacityFor(expected));
  }

  private static int capacityFor(long n) {
    long c = MIN_CAPACITY;
    while (c < 2 * n) c <<= 1;
    if (c > MAX_CAPACITY)
      throw new IllegalArgumentException(
          "too many ids for one in-memory store: " + n + " (split the partition)");
    return (int) c;
  }

  private void allocate(int capacity) {
    keys = new long[capacity];
    values = new double[capacity];
    used = new long[(capacity + 63) >>> 6];
    mask = capacity - 1;
  }

  /** A 64-bit finalizer (splitmix64) so sequential ids spread over the table. */
  private static long mix(long x) {
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
    return x ^ (x >>> 31);
  }

  private boolean occupied(int slot) {
    return (used[slot >>> 6] & (1L << slot)) != 0;
  }

  /** The slot of {@code id}, or {@code -(free slot) - 1} where it would go. */
  private int find(long id) {
    int slot = (int) mix(id) & mask;
    while (occupied(slot)) {
      if (keys[slot] == id) return slot;
      slot = (slot + 1) & mask;
    }
    return -slot - 1;
  }

  @Override
  public void read(long[] ids, double[] out) {
    if (out.length < ids.length)
      throw new IllegalArgumentException(
          "out has " + out.length + " slots for " + ids.length + " ids");
    for (int i = 0; i < ids.length; i++) {
      int slot = find(ids[i]);
      out[i] = slot >= 0 ? values[slot] : Double.NaN;
    }
  }

  @Override
  public void write(long[] ids, double[] vals) {
    if (vals.length < ids.length)
      throw new IllegalArgumentException(vals.length + " values for " + ids.length + " ids");
    for (int i = 0; i < ids.length; i++) put(ids[i], vals[i]);
  }

  /** Sets the value of one id. */
  public void put(long id, double value) {
    int slot = find(id);
    if (slot < 0) {
      if (2 * (size + 1) > keys.length) {
        grow();
        slot = find(id);
      }
      slot = -slot - 1;
      keys[slot] = id;
      used[slot >>> 6] |= 1L << slot;
      size++;
    }
    values[slot] = value;
  }

  /** The value of one id, NaN if it was never written. */
  public double get(long id) {
    int slot = find(id);
    return slot >= 0 ? values[slot] : Double.NaN;
  }

  private void grow() {
    long[] oldKeys = keys;
    double[] oldValues = values;
    long[] oldUsed = used;
    if (keys.length >= MAX_CAPACITY)
      throw new IllegalStateException("in-memory example store is full (" + size + " ids)");
    allocate(keys.length << 1);
    for (int s = 0; s < oldKeys.length; s++) {
      if ((oldUsed[s >>> 6] & (1L << s)) == 0) continue;
      int slot = -find(oldKeys[s]) - 1;
      keys[slot] = oldKeys[s];
      values[slot] = oldValues[s];
      used[slot >>> 6] |= 1L << slot;
    }
  }

  @Override
  public long size() {
    return size;
  }

  /** Removes every id. */
  public void clear() {
    Arrays.fill(used, 0L);
    size = 0;
  }

  /** Bytes held by the table (keys, values and the occupancy bitmap). */
  public long memoryBytes() {
    return (long) keys.length * (Long.BYTES + Double.BYTES) + (long) used.length * Long.BYTES;
  }
}
