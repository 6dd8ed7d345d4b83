package org.optimbench.optim.dadapt;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.Combine;
import org.optimbench.optim.OptimizerState;

/**
 * What a parameter-averaging engine does with worker states before {@code reconcile}: every entry
 * combined by its {@link Combine} rule (MEAN: arithmetic mean, MAX: maximum, SAME: must be equal).
 */
final class StateMerge {
  private StateMerge() {}

  static OptimizerState merge(List<OptimizerState> ws) {
    OptimizerState first = ws.get(0);
    OptimizerState out = new OptimizerState();
    for (String n : first.names()) {
      Combine rule = first.rule(n);
      if (first.arrays().containsKey(n)) {
        INDArray acc = first.array(n).dup();
        for (int i = 1; i < ws.size(); i++) {
          INDArray a = ws.get(i).array(n);
          switch (rule) {
            case MEAN -> acc.addi(a);
            case MAX -> acc.assign(org.nd4j.linalg.ops.transforms.Transforms.max(acc, a, true));
            case SAME -> {
              if (!acc.equals(a))
                throw new IllegalStateException("state array " + n + " differs between workers");
            }
          }
        }
        if (rule == Combine.MEAN) acc.divi(ws.size());
        out.putArray(n, acc, rule);
      } else {
        double[] acc = first.scalarsRef(n).clone();
        for (int i = 1; i < ws.size(); i++) {
          double[] v = ws.get(i).scalarsRef(n);
          for (int j = 0; j < acc.length; j++) {
            switch (rule) {
              case MEAN -> acc[j] += v[j];
              case MAX -> acc[j] = Math.max(acc[j], v[j]);
              case SAME -> {
                if (acc[j] != v[j])
                  throw new IllegalStateException("state scalar " + n + " differs between workers");
              }
            }
          }
        }
        if (rule == Combine.MEAN) for (int j = 0; j < acc.length; j++) acc[j] /= ws.size();
        out.putScalars(n, acc, rule);
      }
    }
    return out;
  }
}
