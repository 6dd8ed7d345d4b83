package org.optimbench.jobs.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.optimbench.jobs.conf.ConfException;

/**
 * Workload ids, method labels from the keys that vary, seeds as replicates; the compare section's
 * checks.
 */
class CompareGroupingTest {
  static Map<String, Object> conf(
      String name, Map<String, Object> optimizer, String schedule, int seed, int batch) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("name", name);
    c.put("workload", Map.of("name", "logreg"));
    c.put("data", Map.of("train", "work/prep/digits", "source", "data/libsvm/digits"));
    c.put("optimizer", optimizer);
    c.put("schedule", Map.of("name", schedule));
    c.put("batch_size", batch);
    c.put("seed", seed);
    c.put("output", "work/runs/" + name);
    c.put("spark", Map.of("master", "local[" + seed + "]"));
    return c;
  }

  static final Map<String, Object> ADAM = Map.of("name", "adam", "hparams", Map.of("lr", 0.01));
  static final Map<String, Object> PRODIGY = Map.of("name", "prodigy");

  @Test
  void methodIsTheOptimizerPlusEveryOtherKeyThatVaries() {
    Map<String, Map<String, Object>> confs = new LinkedHashMap<>();
    confs.put("r1", conf("r1", ADAM, "cosine", 1, 32));
    confs.put("r2", conf("r2", ADAM, "cosine", 2, 32));
    confs.put("r3", conf("r3", ADAM, "constant", 1, 32));
    confs.put("r4", conf("r4", PRODIGY, "constant", 1, 32));
    Map<String, Grouping.Labels> l = Grouping.label(confs);
    assertEquals("adam+lr=0.01/cosine", l.get("r1").method());
    assertEquals(
        l.get("r1").method(),
        l.get("r2").method()); // seeds are replicates; name, output, spark.master ignored
    assertEquals(1L, l.get("r1").seed());
    assertEquals(2L, l.get("r2").seed());
    assertEquals("adam+lr=0.01/constant", l.get("r3").method());
    assertEquals("prodigy/constant", l.get("r4").method());
    assertEquals("logreg@digits", l.get("r4").workload());
    assertEquals("adam+lr=0.01", l.get("r1").optimizer());
    assertEquals("cosine", l.get("r1").schedule());
  }

  @Test
  void onlyTheOptimizerWhenNothingElseVaries() {
    Map<String, Map<String, Object>> confs = new LinkedHashMap<>();
    confs.put("a", conf("a", PRODIGY, "linear_decay", 1, 32));
    confs.put(
        "b",
        conf(
            "b",
            Map.of("name", "mechanic", "hparams", Map.of("base", ADAM)),
            "linear_decay",
            1,
            32));
    confs.put("c", conf("c", PRODIGY, "linear_decay", 1, 64));
    Map<String, Grouping.Labels> l = Grouping.label(confs);
    assertEquals("prodigy/batch_size=32", l.get("a").method());
    assertEquals("mechanic+base=adam+lr=0.01/batch_size=32", l.get("b").method());
    assertEquals("prodigy/batch_size=64", l.get("c").method());
    confs.remove("c");
    assertEquals("prodigy", Grouping.label(confs).get("a").method());
  }

  @Test
  void settingsDefaultsAndDirection() {
    CompareSettings d = CompareSettings.defaults();
    assertEquals("eval.valid_loss", d.metric());
    assertFalse(d.maximize());
    assertEquals(4.0, d.tauMax());
    assertTrue(d.targetFor("logreg@digits").isEmpty());
    assertTrue(CompareSettings.parse(Map.of("metric", "eval.valid_accuracy")).maximize());
    assertTrue(CompareSettings.parse(Map.of("metric", "eval.auc")).maximize());
    assertFalse(
        CompareSettings.parse(Map.of("metric", "eval.valid_accuracy", "mode", "min")).maximize());
    CompareSettings t =
        CompareSettings.parse(Map.of("targets", Map.of("logreg@digits", 0.35, "*", 0.5)));
    assertEquals(0.35, t.targetFor("logreg@digits").get());
    assertEquals(0.5, t.targetFor("mlp@iris").get());
  }

  @Test
  void badSettingsNameTheKey() {
    assertEquals(
        "compare.metrik",
        assertThrows(ConfException.class, () -> CompareSettings.parse(Map.of("metrik", "x")))
            .key());
    assertEquals(
        "compare.mode",
        assertThrows(ConfException.class, () -> CompareSettings.parse(Map.of("mode", "up"))).key());
    assertEquals(
        "compare.targets.logreg@digits",
        assertThrows(
                ConfException.class,
                () -> CompareSettings.parse(Map.of("targets", Map.of("logreg@digits", "low"))))
            .key());
    assertEquals(
        "compare.tau_max",
        assertThrows(ConfException.class, () -> CompareSettings.parse(Map.of("tau_max", 1))).key());
    assertEquals(
        "compare.curves[1]",
        assertThrows(
                ConfException.class,
                () -> CompareSettings.parse(Map.of("curves", List.of("lr", "a b"))))
            .key());
  }
}
