package org.optimbench.jobs.data;

import java.util.Objects;

/**
 * Rows of chunks by reference, nothing copied: row {@code i} is row {@code rows[i]} of {@code
 * sources[i]}. A batch drawn from a shuffle window is such a selection; {@link #gather} copies it
 * into one chunk, and a workload that reads its rows where they are (the classifier densifying
 * them) skips that copy, which for dense rows is most of a batch's memory traffic (BENCHMARKS.md,
 * "Peers: PyTorch on the same CPU"). The arrays are not copied; treat them as read-only.
 */
public record RowRefs(ChunkSchema schema, RowChunk[] sources, int[] rows) {
  public RowRefs {
    Objects.requireNonNull(schema, "schema");
    if (sources.length != rows.length)
      throw new IllegalArgumentException(sources.length + " sources for " + rows.length + " rows");
    for (int i = 0; i < rows.length; i++) {
      if (sources[i].schema() != schema && !sources[i].schema().equals(schema))
        throw new IllegalArgumentException(
            "a chunk of " + sources[i].schema() + " referenced as " + schema);
      if (rows[i] < 0 || rows[i] >= sources[i].size())
        throw new IndexOutOfBoundsException(
            "row " + rows[i] + " of a chunk of " + sources[i].size() + " rows");
    }
  }

  /** Every row of {@code chunk}, in order. */
  public static RowRefs of(RowChunk chunk) {
    return of(chunk, identity(chunk.size()));
  }

  /** The rows of {@code chunk} at {@code positions}, in that order. */
  public static RowRefs of(RowChunk chunk, int[] positions) {
    RowChunk[] s = new RowChunk[positions.length];
    java.util.Arrays.fill(s, chunk);
    return new RowRefs(chunk.schema(), s, positions);
  }

  private static int[] identity(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) p[i] = i;
    return p;
  }

  public int size() {
    return rows.length;
  }

  public long id(int i) {
    return sources[i].id(rows[i]);
  }

  public long[] ids() {
    long[] ids = new long[rows.length];
    for (int i = 0; i < ids.length; i++) ids[i] = id(i);
    return ids;
  }

  public int label(int i) {
    return sources[i].label(rows[i]);
  }

  /**
   * The rows as one chunk: the source itself when they are all of one chunk's rows in order, a copy
   * ({@link RowChunk#gather}) otherwise.
   */
  public RowChunk gather() {
    if (rows.length > 0 && rows.length == sources[0].size()) {
      boolean whole = true;
      for (int i = 0; i < rows.length && whole; i++)
        whole = sources[i] == sources[0] && rows[i] == i;
      if (whole) return sources[0];
    }
    if (rows.length == 0) return RowChunk.empty(schema);
    return RowChunk.gather(schema, sources, rows, 0, rows.length);
  }
}
