package org.optimbench.prep.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Packs a stream of tokens (documents with their end-of-document token) into consecutive,
 * non-overlapping blocks of {@code blockLength = seq_len + 1} tokens that cross document
 * boundaries, as Megatron's GPTDataset and fairseq's {@code sample_break_mode=none} do: a block
 * gives inputs {@code block[0..seq_len)} and targets {@code block[1..seq_len]}. What does not fill
 * a block stays in {@link #remainder()}.
 */
public final class TokenPacker {
  private final int blockLength;
  private int[] buffer;
  private int size;

  public TokenPacker(int blockLength) {
    if (blockLength < 2) {
      throw new IllegalArgumentException("block length (" + blockLength + ") must be >= 2");
    }
    this.blockLength = blockLength;
    this.buffer = new int[blockLength];
  }

  /** Adds tokens; returns the blocks they completed (often none). */
  public List<int[]> add(int[] tokens) {
    List<int[]> full = new ArrayList<>(0);
    int i = 0;
    while (i < tokens.length) {
      int n = Math.min(blockLength - size, tokens.length - i);
      System.arraycopy(tokens, i, buffer, size, n);
      size += n;
      i += n;
      if (size == blockLength) {
        full.add(buffer);
        buffer = new int[blockLength];
        size = 0;
      }
    }
    return full;
  }

  public int[] remainder() {
    return Arrays.copyOf(buffer, size);
  }
}
