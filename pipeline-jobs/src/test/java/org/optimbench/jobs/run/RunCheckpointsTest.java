package org.optimbench.jobs.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.optim.OptimizerState;

/** Checkpoints: bit-exact round trip, commit protocol, keep-last-K, and damaged files named. */
class RunCheckpointsTest {
  @TempDir Path run;

  @ParameterizedTest
  @CsvSource({"adam, FLOAT", "adam, DOUBLE", "prodigy, FLOAT", "prodigy, DOUBLE"})
  void roundTripIsBitExact(String method, DataType dtype) throws IOException {
    TinyTraining t = new TinyTraining(method, dtype);
    for (int s = 0; s < 4; s++) t.step(s);
    Checkpoints c = new Checkpoints(run, 2);
    c.write(
        4, t.model.params(), t.state, Map.of("cursor", 12345678901L, "epoch", 0.25, "note", "x"));

    Checkpoint back = c.latest().orElseThrow();
    assertEquals(4, back.step());
    assertEquals(dtype, back.params().dataType());
    assertArrayEquals(t.model.params().shape(), back.params().shape());
    assertArrayEquals(bits(t.model.params()), bits(back.params()));
    assertTrue(t.state.bitwiseEquals(back.state()), "optimizer state bit-exact");
    assertEquals(Map.of("cursor", 12345678901L, "epoch", 0.25, "note", "x"), back.extra());

    // the restored state continues exactly like the original
    TinyTraining resumed = new TinyTraining(method, back);
    for (int s = 4; s < 7; s++) {
      t.step(s);
      resumed.step(s);
    }
    assertArrayEquals(bits(t.model.params()), bits(resumed.model.params()));
  }

  @Test
  void aViewIsWrittenAsItsOwnElements() throws IOException {
    INDArray big = Nd4j.linspace(1, 20, 20, DataType.DOUBLE);
    INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(5, 10));
    new Checkpoints(run, 2).write(1, view, new OptimizerState(), Map.of());
    assertArrayEquals(
        new double[] {6, 7, 8, 9, 10},
        new Checkpoints(run, 2).latest().orElseThrow().params().toDoubleVector());
  }

  @Test
  void keepsTheLastK() throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    OptimizerState s = new OptimizerState();
    for (long step : new long[] {10, 20, 30, 40})
      c.write(step, Nd4j.ones(DataType.FLOAT, 3), s, Map.of());
    assertEquals(List.of(30L, 40L), c.steps());
    assertEquals(40, c.latest().orElseThrow().step());
    assertEquals("step-40", Files.readString(c.dir().resolve(Checkpoints.LATEST)).trim());
  }

  @Test
  void ignoresAndRemovesWhatAKillLeftBehind() throws IOException {
    Checkpoints c = new Checkpoints(run, 3);
    c.write(10, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    // killed while writing step 20: a half-written tmp dir
    Path tmp = Files.createDirectories(c.dir().resolve(".tmp-1234"));
    Files.write(tmp.resolve(Checkpoints.PARAMS), new byte[] {1, 2, 3});
    // killed between the rename and the pointer of step 30: complete but uncommitted
    copyTree(c.dir().resolve("step-10"), c.dir().resolve("step-30"));

    assertEquals(10, c.latest().orElseThrow().step());
    assertFalse(Files.exists(tmp));
    assertEquals(List.of(10L), c.steps());
    c.write(20, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    assertEquals(20, c.latest().orElseThrow().step());
  }

  @Test
  void noPointerMeansNoCheckpoint() throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    assertTrue(c.latest().isEmpty());
    Files.createDirectories(c.dir().resolve(".tmp-x"));
    assertTrue(c.latest().isEmpty());
  }

  @Test
  void truncatedFileIsAnErrorNamingIt() throws IOException {
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    t.step(0);
    Checkpoints c = new Checkpoints(run, 2);
    Path dir = c.write(1, t.model.params(), t.state, Map.of());
    Path opt = dir.resolve(Checkpoints.OPTIMIZER);
    byte[] b = Files.readAllBytes(opt);
    Files.write(opt, java.util.Arrays.copyOf(b, b.length / 2));
    RunFileException e = assertThrows(RunFileException.class, c::latest);
    assertEquals(opt, e.file());
    assertTrue(
        e.getMessage().contains("optimizer.bin") && e.getMessage().contains("truncated"),
        e.getMessage());

    Files.write(opt, b);
    Path params = dir.resolve(Checkpoints.PARAMS);
    byte[] p = Files.readAllBytes(params);
    p[p.length - 1] ^= 1; // same size, flipped bit
    Files.write(params, p);
    e = assertThrows(RunFileException.class, c::latest);
    assertEquals(params, e.file());
  }

  @Test
  void pointerToAMissingCheckpointIsAnError() throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    c.write(5, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    AtomicFiles.deleteTree(c.dir().resolve("step-5"));
    RunFileException e = assertThrows(RunFileException.class, c::latest);
    assertTrue(
        e.getMessage().contains("latest") && e.getMessage().contains("step-5"), e.getMessage());
  }

  @Test
  void stepsDoNotGoBack() throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    c.write(5, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    assertThrows(
        IllegalArgumentException.class,
        () -> c.write(4, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of()));
    c.write(
        5,
        Nd4j.zeros(DataType.FLOAT, 3),
        new OptimizerState(),
        Map.of()); // same step: kept as it was
    assertEquals(1.0, c.latest().orElseThrow().params().getDouble(0));
  }

  static long[] bits(INDArray a) {
    double[] d = a.dup().data().asDouble();
    long[] out = new long[d.length];
    for (int i = 0; i < d.length; i++) out[i] = Double.doubleToRawLongBits(d[i]);
    return out;
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var s = Files.list(from)) {
      for (Path p : (Iterable<Path>) s::iterator) Files.copy(p, to.resolve(p.getFileName()));
    }
  }
}
