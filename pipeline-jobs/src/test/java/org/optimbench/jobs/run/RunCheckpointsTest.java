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
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.optimbench.jobs.fs.Location;
import org.optimbench.optim.OptimizerState;

/**
 * Checkpoints: bit-exact round trip, the marker as the commit, keep-last-K, a damaged last
 * checkpoint passed over for the one before, and the earlier pointer layout still read.
 */
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
    assertEquals(Optional.of(40L), c.latestStep());
  }

  @Test
  void fewerThanTwoKeptIsRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new Checkpoints(run, 1));
    assertTrue(e.getMessage().contains("keep must be >= 2"), e.getMessage());
  }

  @Test
  void aWriteCutOffBeforeItsMarkerIsPassedOverAndDiscarded() throws IOException {
    Checkpoints c = new Checkpoints(run, 3);
    c.write(10, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    // killed while writing step 20: its data files are there, its marker is not
    Path cut = Files.createDirectories(run.resolve("checkpoints/step-20"));
    Files.write(cut.resolve(Checkpoints.PARAMS), new byte[] {1, 2, 3});

    assertEquals(Optional.of(10L), c.latestStep());
    assertEquals(10, c.latest().orElseThrow().step());
    assertEquals(List.of(10L, 20L), c.steps(), "reading deletes nothing");
    c.discardAbove(10);
    assertEquals(List.of(10L), c.steps());
    c.write(20, Nd4j.zeros(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    assertEquals(0.0, c.latest().orElseThrow().params().getDouble(0));
  }

  @Test
  void aCheckpointNeverCommittedIsNoCheckpoint() throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    assertTrue(c.latest().isEmpty());
    Files.createDirectories(run.resolve("checkpoints/step-5"));
    assertTrue(c.latest().isEmpty());
    assertTrue(c.latestStep().isEmpty());
  }

  /** How a checkpoint gets damaged after its marker was written. */
  enum Damage {
    FLIPPED_BIT,
    TRUNCATED,
    MISSING_FILE,
    UNPARSABLE_META,
    META_OF_ANOTHER_STEP
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void aDamagedLastCheckpointFallsBackToThePreviousOneWithAWarning(Damage damage)
      throws IOException {
    Checkpoints c = new Checkpoints(run, 2);
    c.write(10, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    c.write(20, Nd4j.zeros(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    Path step20 = run.resolve("checkpoints/step-20");
    String expected = damage(step20, damage);

    try (CapturedLog log = new CapturedLog(Checkpoints.class)) {
      Checkpoint back = c.latest().orElseThrow();
      assertEquals(10, back.step());
      assertEquals(1.0, back.params().getDouble(0));
      List<String> warnings = log.lines().stream().filter(l -> l.startsWith("WARN")).toList();
      assertEquals(1, warnings.size(), log.lines().toString());
      String w = warnings.get(0);
      assertTrue(
          w.contains("step 20") && w.contains("step 10") && w.contains(expected),
          "names both steps and the reason: " + w);
    }
    if (damage != Damage.FLIPPED_BIT) assertEquals(Optional.of(10L), c.latestStep());
  }

  /** Damages the checkpoint in {@code dir}; returns what the warning must say. */
  private static String damage(Path dir, Damage damage) throws IOException {
    Path params = dir.resolve(Checkpoints.PARAMS);
    Path meta = dir.resolve(Checkpoints.META);
    switch (damage) {
      case FLIPPED_BIT -> {
        byte[] p = Files.readAllBytes(params);
        p[p.length - 1] ^= 1;
        Files.write(params, p);
        return "CRC-32 mismatch";
      }
      case TRUNCATED -> {
        byte[] p = Files.readAllBytes(params);
        Files.write(params, java.util.Arrays.copyOf(p, p.length / 2));
        return "truncated";
      }
      case MISSING_FILE -> {
        Files.delete(dir.resolve(Checkpoints.OPTIMIZER));
        return "optimizer.bin: missing";
      }
      case UNPARSABLE_META -> {
        Files.writeString(meta, "{\"format\": 1, \"step\": 2");
        return "meta.json: unreadable";
      }
      case META_OF_ANOTHER_STEP -> {
        Files.writeString(meta, Files.readString(meta).replace("\"step\" : 20", "\"step\" : 30"));
        return "names step 30";
      }
    }
    throw new AssertionError(damage);
  }

  @Test
  void whenEveryCheckpointIsDamagedTheLastOnesDamageIsTheError() throws IOException {
    TinyTraining t = new TinyTraining("adam", DataType.FLOAT);
    t.step(0);
    Checkpoints c = new Checkpoints(run, 2);
    Location dir = c.write(1, t.model.params(), t.state, Map.of());
    Path opt = dir.toLocalPath().resolve(Checkpoints.OPTIMIZER);
    byte[] b = Files.readAllBytes(opt);
    Files.write(opt, java.util.Arrays.copyOf(b, b.length / 2));
    RunFileException e = assertThrows(RunFileException.class, c::latest);
    assertEquals(opt.toString(), e.file());
    assertTrue(
        e.getMessage().contains("optimizer.bin") && e.getMessage().contains("truncated"),
        e.getMessage());
  }

  @Test
  void aDirectoryWrittenWithTheLatestPointerReadsAndMovesOn() throws IOException {
    // the earlier layout: step directories renamed into place, a pointer naming the last one,
    // and a temporary directory a kill left
    Checkpoints c = new Checkpoints(run, 2);
    c.write(10, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of("cursor", 7L));
    Files.writeString(run.resolve("checkpoints").resolve(Checkpoints.LATEST), "step-10\n");
    Files.createDirectories(run.resolve("checkpoints/.tmp-1234"));

    Checkpoint back = c.latest().orElseThrow();
    assertEquals(10, back.step());
    assertEquals(7L, back.extra().get("cursor"));
    c.discardAbove(10);
    assertFalse(Files.exists(run.resolve("checkpoints/.tmp-1234")));
    c.write(20, Nd4j.ones(DataType.FLOAT, 3), new OptimizerState(), Map.of());
    assertFalse(Files.exists(run.resolve("checkpoints").resolve(Checkpoints.LATEST)));
    assertEquals(20, c.latest().orElseThrow().step());
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
}
