package org.optimbench.jobs.data;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The columns a reader decodes into a {@link RowChunk}: a {@code long} id column, an optional
 * {@code int} label column and any number of list columns of ints, floats or doubles, in the order
 * the chunk holds them. Columns not named here are never read from storage.
 */
public final class ChunkSchema implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The element type of a list column, and the Java array its values are decoded into. */
  public enum ElementType {
    /** Parquet INT32, decoded into {@code int[]}. */
    INT,
    /** Parquet FLOAT, decoded into {@code float[]}. */
    FLOAT,
    /** Parquet DOUBLE, decoded into {@code double[]}. */
    DOUBLE
  }

  /**
   * A list column: Spark's {@code array<int|float|double>} ({@code stored}), decoded into arrays of
   * {@code type}: the same type, or float for a stored double column, each value rounded to the
   * nearest float as it is decoded (what a float32 run does with the values anyway, at half their
   * memory).
   */
  public record ListColumn(String name, ElementType type, ElementType stored)
      implements Serializable {
    public ListColumn {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(stored, "stored");
      if (type != stored && !(type == ElementType.FLOAT && stored == ElementType.DOUBLE))
        throw new IllegalArgumentException(
            "column '" + name + "': " + stored + " values cannot be decoded as " + type);
    }

    /** A column decoded into arrays of the type it is stored in. */
    public ListColumn(String name, ElementType type) {
      this(name, type, type);
    }
  }

  private final String idColumn;
  private final String labelColumn;
  private final List<ListColumn> lists;

  /**
   * @param idColumn the {@code long} column of stable row ids
   * @param labelColumn the {@code int} label column, or null when the rows have none
   * @param lists the list columns, in the order of {@link RowChunk#offsets(int)}
   */
  public ChunkSchema(String idColumn, String labelColumn, List<ListColumn> lists) {
    this.idColumn = Objects.requireNonNull(idColumn, "idColumn");
    this.labelColumn = labelColumn;
    this.lists = List.copyOf(lists);
    Set<String> seen = new HashSet<>();
    for (String c : columnNames()) {
      if (!seen.add(c)) throw new IllegalArgumentException("column '" + c + "' named twice");
    }
  }

  /** data-prep's LIBSVM columns: row_id, label, indices (int), values (double). */
  public static ChunkSchema libsvm() {
    return libsvm(ElementType.DOUBLE);
  }

  /**
   * data-prep's LIBSVM columns with the values decoded as {@code values}: {@code DOUBLE} as stored,
   * or {@code FLOAT} (rounded to float as they are decoded).
   */
  public static ChunkSchema libsvm(ElementType values) {
    return new ChunkSchema(
        "row_id",
        "label",
        List.of(
            new ListColumn("indices", ElementType.INT),
            new ListColumn("values", values, ElementType.DOUBLE)));
  }

  /** data-prep's Criteo columns: row_id, label, categorical (26 ints), dense (13 floats). */
  public static ChunkSchema criteo() {
    return new ChunkSchema(
        "row_id",
        "label",
        List.of(
            new ListColumn("categorical", ElementType.INT),
            new ListColumn("dense", ElementType.FLOAT)));
  }

  /** data-prep's text blocks: block_id and tokens (seq_len + 1 ints); no label. */
  public static ChunkSchema textBlocks() {
    return new ChunkSchema("block_id", null, List.of(new ListColumn("tokens", ElementType.INT)));
  }

  public String idColumn() {
    return idColumn;
  }

  public boolean hasLabel() {
    return labelColumn != null;
  }

  /** The label column's name; null when the rows have no label. */
  public String labelColumn() {
    return labelColumn;
  }

  public List<ListColumn> lists() {
    return lists;
  }

  public int listCount() {
    return lists.size();
  }

  public ListColumn list(int i) {
    return lists.get(i);
  }

  /** The position of the list column {@code name}; an error naming the columns if there is none. */
  public int listIndex(String name) {
    for (int i = 0; i < lists.size(); i++) if (lists.get(i).name().equals(name)) return i;
    throw new IllegalArgumentException("no list column '" + name + "' in " + this);
  }

  /** Every column read, id first, then the label, then the lists. */
  public List<String> columnNames() {
    List<String> names = new ArrayList<>();
    names.add(idColumn);
    if (labelColumn != null) names.add(labelColumn);
    for (ListColumn l : lists) names.add(l.name());
    return names;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkSchema s
        && s.idColumn.equals(idColumn)
        && Objects.equals(s.labelColumn, labelColumn)
        && s.lists.equals(lists);
  }

  @Override
  public int hashCode() {
    return Objects.hash(idColumn, labelColumn, lists);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("[").append(idColumn).append(": long");
    if (labelColumn != null) b.append(", ").append(labelColumn).append(": int");
    for (ListColumn l : lists) {
      b.append(", ")
          .append(l.name())
          .append(": array<")
          .append(l.stored().name().toLowerCase(java.util.Locale.ROOT))
          .append('>');
      if (l.type() != l.stored())
        b.append(" as ").append(l.type().name().toLowerCase(java.util.Locale.ROOT));
    }
    return b.append(']').toString();
  }
}
