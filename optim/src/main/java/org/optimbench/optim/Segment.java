package org.optimbench.optim;

import java.util.Arrays;

/**
 * One named parameter tensor inside the flat parameter vector: where it starts, and its shape. A
 * segment is what per-tensor ("per-layer") methods such as grafting or MoMo treat as a unit.
 */
public record Segment(String name, long offset, long[] shape) {
  public Segment {
    if (name == null || name.isEmpty())
      throw new IllegalArgumentException("segment name must be non-empty");
    if (offset < 0)
      throw new IllegalArgumentException("segment " + name + ": negative offset " + offset);
    shape = shape.clone();
    for (long s : shape) {
      if (s <= 0)
        throw new IllegalArgumentException(
            "segment " + name + ": non-positive dimension in " + Arrays.toString(shape));
    }
  }

  /** Number of elements. */
  public long length() {
    long n = 1;
    for (long s : shape) n *= s;
    return n;
  }

  public long end() {
    return offset + length();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Segment s
        && s.name.equals(name)
        && s.offset == offset
        && Arrays.equals(s.shape, shape);
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Long.hashCode(offset) * 17 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + Arrays.toString(shape) + "@" + offset;
  }
}
