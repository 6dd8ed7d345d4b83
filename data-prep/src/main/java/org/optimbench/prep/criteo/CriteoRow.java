package org.optimbench.prep.criteo;

import java.io.Serializable;

/**
 * A row as Spark encodes it (a Java bean, so primitive arrays are copied straight into Spark's
 * binary format). In hash mode {@code categorical} holds the final ids; in vocabulary mode the job
 * first fills {@code raw} (the 32-bit values, -1 missing) and joins the ids in afterwards.
 */
public class CriteoRow implements Serializable {
  private static final long serialVersionUID = 1L;
  private int label;
  private float[] dense;
  private int[] categorical;
  private long[] raw;
  private long rowId;
  private int day;
  private String split;

  public int getLabel() {
    return label;
  }

  public void setLabel(int label) {
    this.label = label;
  }

  public float[] getDense() {
    return dense;
  }

  public void setDense(float[] dense) {
    this.dense = dense;
  }

  public int[] getCategorical() {
    return categorical;
  }

  public void setCategorical(int[] categorical) {
    this.categorical = categorical;
  }

  public long[] getRaw() {
    return raw;
  }

  public void setRaw(long[] raw) {
    this.raw = raw;
  }

  public long getRowId() {
    return rowId;
  }

  public void setRowId(long rowId) {
    this.rowId = rowId;
  }

  public int getDay() {
    return day;
  }

  public void setDay(int day) {
    this.day = day;
  }

  public String getSplit() {
    return split;
  }

  public void setSplit(String split) {
    this.split = split;
  }
}
