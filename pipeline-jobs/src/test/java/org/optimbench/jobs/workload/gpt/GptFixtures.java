package org.optimbench.jobs.workload.gpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Tiny shapes and random token blocks shared by the GPT tests. */
final class GptFixtures {
  /** vocab 50, seqLen 8, dModel 16, 2 heads, 2 layers: 7,520 parameters. */
  static final GptConfig TINY = new GptConfig(50, 8, 16, 2, 2);

  private GptFixtures() {}

  static List<int[]> blocks(GptConfig c, int count, long seed) {
    Random r = new Random(seed);
    List<int[]> out = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      int[] block = new int[c.seqLen() + 1];
      for (int i = 0; i < block.length; i++) block[i] = r.nextInt(c.vocab());
      out.add(block);
    }
    return out;
  }
}
