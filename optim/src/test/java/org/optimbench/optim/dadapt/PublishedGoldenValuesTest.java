package org.optimbench.optim.dadapt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Optimizer;

/**
 * The published golden values (docs/METHODS-NOTES.md, "Published golden values"): the reference
 * code (float64, torch 1.13) on a 4x3 least-squares problem, 5 full-batch steps; d after each step
 * and the final parameters, as printed there (12 significant digits), checked to 1e-10 relative.
 */
class PublishedGoldenValuesTest {
  static Stream<Arguments> cases() {
    return Stream.of(
        Arguments.of(
            "dadapt_sgd",
            Map.of(),
            new double[] {1e-6, 1e-6, 1.99999694956e-6, 3.59999011659e-6, 6.27903904703e-6},
            new double[] {
              0.099995462467,
              -0.199998314182,
              0.299995840607,
              0.050000047267,
              -0.399995777579,
              0.200002489341,
              1.63856e-6,
              0.100002552363
            }),
        Arguments.of(
            "dadapt_sgd",
            Map.of("momentum", 0.9),
            new double[] {1e-6, 1e-6, 1.99999960344e-6, 3.59999846478e-6, 6.27906440254e-6},
            new double[] {
              0.099999069057,
              -0.199999654129,
              0.299999146636,
              0.050000009697,
              -0.399999133706,
              0.200000510726,
              3.36174e-7,
              0.100000523655
            }),
        Arguments.of(
            "dadapt_adam",
            Map.of(),
            new double[] {
              1e-6, 1.58152295344e-5, 4.14783293233e-5, 2.40113832685e-4, 7.99809907081e-4
            },
            new double[] {
              0.099457197025,
              -0.199457430784,
              0.299457268437,
              0.050536158762,
              -0.399457263922,
              0.200542795798,
              5.42803527e-4,
              0.100542695162
            }),
        Arguments.of(
            "dadapt_adam",
            Map.of("use_bias_correction", true, "decouple", true, "weight_decay", 0.1),
            new double[] {
              1e-6, 4.26771582863e-6, 9.18748317539e-6, 1.824067875e-5, 3.37695248716e-5
            },
            new double[] {
              0.099982649004,
              -0.199982586757,
              0.299982524106,
              0.050017250381,
              -0.399982461616,
              0.200017163531,
              1.7288505e-5,
              0.100017225916
            }),
        Arguments.of(
            "dadapt_adagrad",
            Map.of(),
            new double[] {1e-6, 1e-6, 1e-6, 1.30388421972e-6, 1.70363154686e-6},
            new double[] {
              0.099997628033,
              -0.199997628037,
              0.299997628033,
              0.05000236914,
              -0.399997628033,
              0.200002371966,
              2.371963e-6,
              0.100002371966
            }),
        Arguments.of(
            "prodigy",
            Map.of(),
            new double[] {
              1e-6, 1.58152295344e-6, 4.82234533794e-6, 1.34959552636e-5, 3.45093220111e-5
            },
            new double[] {
              0.099901889586,
              -0.199901886814,
              0.299901888705,
              0.050098185142,
              -0.39990188876,
              0.200098110434,
              9.8110264e-5,
              0.100098111693
            }),
        Arguments.of(
            "prodigy",
            Map.of(
                "use_bias_correction",
                true,
                "safeguard_warmup",
                true,
                "weight_decay",
                0.01,
                "slice_p",
                2L),
            new double[] {1e-6, 1e-6, 1e-6, 1e-6, 1e-6},
            new double[] {
              0.099994998892,
              -0.199994997787,
              0.299994996674,
              0.050004999249,
              -0.399994995564,
              0.200004997777,
              4.999996e-6,
              0.100004998886
            }));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void matchesTheReference(
      String name, Map<String, Object> hp, double[] dExpected, double[] pExpected) {
    Optimizer opt = Problems.create(name, hp);
    Problems.LeastSquares ls = new Problems.LeastSquares();
    INDArray x = ls.init();
    double[] ds = new double[5];
    Problems.run(opt, ls.layout, x, ls, 5, ds);
    for (int t = 0; t < 5; t++)
      assertEquals(dExpected[t], ds[t], 1e-10 * dExpected[t], name + " d after step " + (t + 1));
    double[] p = x.toDoubleVector();
    // 12 significant digits printed: allow 1e-10 relative, with an absolute floor for the tiny
    // b[0].
    for (int i = 0; i < p.length; i++)
      assertEquals(pExpected[i], p[i], 1e-10 * Math.abs(pExpected[i]) + 1e-12, name + " p" + i);
  }
}
