package org.optimbench.optim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The segment table of a flat parameter vector: an ordered list of named tensors that tile {@code
 * [0, totalLength)} without gaps. DL4J's flattened {@code params()} and gradient views have exactly
 * this structure, so the optimizers run on them without copies.
 */
public final class ParamLayout {
  private final List<Segment> segments;
  private final long totalLength;

  private ParamLayout(List<Segment> segments) {
    long next = 0;
    for (Segment s : segments) {
      if (s.offset() != next) {
        throw new IllegalArgumentException(
            "segment "
                + s.name()
                + " starts at "
                + s.offset()
                + ", expected "
                + next
                + " (segments must tile the vector in order)");
      }
      next = s.end();
    }
    this.segments = Collections.unmodifiableList(new ArrayList<>(segments));
    this.totalLength = next;
  }

  public static ParamLayout of(List<Segment> segments) {
    return new ParamLayout(segments);
  }

  /** Builds a layout from consecutive (name, shape) pairs. */
  public static Builder builder() {
    return new Builder();
  }

  /** A single segment covering a vector of {@code n} elements. */
  public static ParamLayout single(String name, long n) {
    return builder().add(name, n).build();
  }

  public List<Segment> segments() {
    return segments;
  }

  public int size() {
    return segments.size();
  }

  public Segment segment(int i) {
    return segments.get(i);
  }

  public long totalLength() {
    return totalLength;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamLayout p && p.segments.equals(segments);
  }

  @Override
  public int hashCode() {
    return segments.hashCode();
  }

  @Override
  public String toString() {
    return segments.toString();
  }

  public static final class Builder {
    private final List<Segment> segments = new ArrayList<>();
    private long next;

    public Builder add(String name, long... shape) {
      Segment s = new Segment(name, next, shape);
      segments.add(s);
      next = s.end();
      return this;
    }

    public ParamLayout build() {
      return new ParamLayout(segments);
    }
  }
}
