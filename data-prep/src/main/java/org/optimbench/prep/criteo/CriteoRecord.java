package org.optimbench.prep.criteo;

/**
 * One parsed Criteo line, reused from line to line: label 0/1, the 13 integer features (a missing
 * value is 0, as DLRM does) and the 26 categorical values as unsigned 32-bit numbers (-1: missing).
 */
public final class CriteoRecord {
  public int label;
  public final long[] dense = new long[CriteoLineParser.NUM_DENSE];
  public final long[] categorical = new long[CriteoLineParser.NUM_CATEGORICAL];
}
