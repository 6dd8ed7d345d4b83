package org.optimbench.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashExampleStoreTest {
  @Test
  void unknownIdsReadAsNaNAndWrittenOnesRoundTrip() {
    HashExampleStore s = new HashExampleStore();
    long[] ids = {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, 17};
    double[] out = new double[ids.length];
    s.read(ids, out);
    for (double v : out) assertTrue(Double.isNaN(v));
    s.write(ids, new double[] {1, 2, 3, 4, 5});
    s.read(ids, out);
    assertEquals(
        java.util.List.of(1.0, 2.0, 3.0, 4.0, 5.0), java.util.Arrays.stream(out).boxed().toList());
    s.write(new long[] {17}, new double[] {-0.5});
    assertEquals(-0.5, s.get(17));
    assertEquals(5, s.size());
  }

  @Test
  void growsPastItsInitialCapacityAndAgreesWithAHashMap() {
    HashExampleStore s = new HashExampleStore();
    Map<Long, Double> ref = new HashMap<>();
    Random r = new Random(5);
    for (int i = 0; i < 200_000; i++) {
      long id = i % 3 == 0 ? i : r.nextLong();
      double v = r.nextDouble();
      s.put(id, v);
      ref.put(id, v);
    }
    assertEquals(ref.size(), s.size());
    for (Map.Entry<Long, Double> e : ref.entrySet()) assertEquals(e.getValue(), s.get(e.getKey()));
    assertTrue(
        s.memoryBytes() <= 4L * 16 * ref.size() + 1024,
        "at most 4 slots per id at load <= 1/2 after doubling");
    s.clear();
    assertEquals(0, s.size());
    assertTrue(Double.isNaN(s.get(0)));
  }
}
