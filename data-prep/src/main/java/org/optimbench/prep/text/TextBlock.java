package org.optimbench.prep.text;

import java.io.Serializable;

/**
 * A block of tokens as Spark encodes it (bean), or a file's unfilled tail ({@code tail = true}).
 */
public class TextBlock implements Serializable {
  private static final long serialVersionUID = 1L;
  private long blockId;
  private int[] tokens;
  private String split;
  private boolean tail;
  private int file;

  public TextBlock() {}

  TextBlock(long blockId, int[] tokens, String split, boolean tail, int file) {
    this.blockId = blockId;
    this.tokens = tokens;
    this.split = split;
    this.tail = tail;
    this.file = file;
  }

  public long getBlockId() {
    return blockId;
  }

  public void setBlockId(long blockId) {
    this.blockId = blockId;
  }

  public int[] getTokens() {
    return tokens;
  }

  public void setTokens(int[] tokens) {
    this.tokens = tokens;
  }

  public String getSplit() {
    return split;
  }

  public void setSplit(String split) {
    this.split = split;
  }

  public boolean isTail() {
    return tail;
  }

  public void setTail(boolean tail) {
    this.tail = tail;
  }

  public int getFile() {
    return file;
  }

  public void setFile(int file) {
    this.file = file;
  }
}
