package org.optimbench.optim.dadapt;

import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.testing.ShardedHarness;

/**
 * Every method on 3 workers that each own a part of the parameters (their own state, their own
 * thread, global sums through a summing reducer) follows the single-process trajectory to 1e-12
 * relative in float64. The schedule starts with a zero factor (a skipped step: every worker must
 * still reduce exactly once) and then warms up and decays.
 */
class ShardedDAdaptTest {
  static final LongToDoubleFunction SCHEDULE =
      t -> t == 0 ? 0.0 : Math.min(1.0, t / 10.0) * (1 - t / 100.0);

  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of("dadapt_sgd", Map.of(), false),
        Arguments.of("dadapt_sgd", Map.of("momentum", 0.9, "weight_decay", 1e-2), false),
        Arguments.of("dadapt_adam", Map.of(), false),
        Arguments.of(
            "dadapt_adam", Map.of("use_bias_correction", true, "weight_decay", 1e-2), false),
        Arguments.of(
            "dadapt_adam",
            Map.of("decouple", true, "weight_decay", 1e-2, "growth_rate", 1.1),
            false),
        Arguments.of("dadapt_adagrad", Map.of(), false),
        Arguments.of("dadapt_adagrad", Map.of("momentum", 0.5, "weight_decay", 1e-2), false),
        Arguments.of("prodigy", Map.of(), false),
        Arguments.of(
            "prodigy",
            Map.of("decouple", false, "weight_decay", 1e-2, "use_bias_correction", true),
            false),
        Arguments.of(
            "prodigy",
            Map.of("betas", List.of(0.0, 0.99), "safeguard_warmup", true, "growth_rate", 1.5),
            false),
        Arguments.of("prodigy", Map.of("slice_p", 3L, "weight_decay", 1e-2, "d_coef", 2.0), true),
        Arguments.of(
            "prodigy", Map.of("slice_p", 5L, "betas", List.of(0.0, 0.999), "beta3", 0.95), true));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void shardedRunFollowsTheUnshardedTrajectory(
      String name, Map<String, Object> hp, boolean onSegments) {
    Optimizer opt = Problems.create(name, hp);
    Problems.Quadratic q = new Problems.Quadratic(1e2, 0.3);
    long[] cuts =
        onSegments ? ShardedHarness.segmentCuts(q.layout, 3) : ShardedHarness.evenCuts(q.n, 3);
    ShardedHarness.assertShardedMatchesUnsharded(
        opt, q.layout, q.start(), q, cuts, 80, SCHEDULE, 1e-12);
  }
}
