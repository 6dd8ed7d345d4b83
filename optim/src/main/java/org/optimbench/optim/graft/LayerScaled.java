package org.optimbench.optim.graft;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.optimbench.optim.ModelView;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.OptimizerState;
import org.optimbench.optim.Segment;
import org.optimbench.optim.StepContext;
import org.optimbench.optim.internal.Fused;
import org.optimbench.optim.internal.Vec;
import org.optimbench.optim.spec.Checks;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.SpecException;
import org.optimbench.optim.wrap.WrapsBase;

/**
 * Runs a base optimizer and scales each segment's update by a fixed multiplier: {@code x_s ← x_s +
 * c_s · u_s} where u is the base optimizer's update. Segments without a multiplier keep c = 1.
 *
 * <p>For SGD (with or without momentum, dampening, Nesterov or coupled weight decay) this is
 * exactly SGD with the per-layer learning rate c_s · lr: torch's SGD update is −lr · d with d
 * independent of lr, so scaling the update of a segment scales its learning rate and nothing else.
 * For adaptive base optimizers it is a per-layer rescaling of their step. This is the memory-free
 * half of grafting's static transfer: {@link StaticTransfer} computes the multipliers from a
 * grafted run's logged per-layer ratios and {@link StaticTransfer#spec} wraps SGD in this
 * optimizer.
 *
 * <p>Hyperparameters: {@code base} (nested spec, required) and {@code multipliers}, one finite
 * non-negative number per segment name. Because {@link Hparams} reads objects only as nested specs,
 * the multipliers are written as one: {@code "multipliers": {"W1": 0.3, "b1": 1.2}}. Names are
 * checked against the model's segments in {@link #init}; an unknown name fails there with a {@link
 * SpecException} naming {@code multipliers.<name>}.
 *
 * <p>Cost: the base state plus a copy, per step, of the segments whose multiplier is not 1 (to form
 * their update). Diagnostics: the base optimizer's, under {@code base.}. CPU backend: each scaled
 * segment's rescaling is one fused pass ({@link GraftKernel.Step}, see {@link Fused}).
 */
public record LayerScaled(Optimizer base, Map<String, Double> multipliers) implements WrapsBase {
  public LayerScaled {
    Checks.require(base != null, "base", "missing");
    multipliers = Collections.unmodifiableMap(new LinkedHashMap<>(multipliers));
    for (Map.Entry<String, Double> e : multipliers.entrySet()) {
      Checks.require(e.getValue() != null, "multipliers." + e.getKey(), "missing value");
      Checks.finite("multipliers." + e.getKey(), e.getValue());
      Checks.nonNegative("multipliers." + e.getKey(), e.getValue());
    }
  }

  static LayerScaled from(Hparams hp) {
    Optimizer base = hp.optimizer("base");
    Map<String, Double> mult = hp.realMap("multipliers", null);
    try {
      return new LayerScaled(base, mult);
    } catch (SpecException e) {
      throw e.under(hp.path());
    }
  }

  @Override
  public String name() {
    return "layer_scaled";
  }

  @Override
  public OptimizerState init(ModelView model) {
    TreeSet<String> names = new TreeSet<>();
    for (Segment s : model.layout().segments()) names.add(s.name());
    for (String name : multipliers.keySet()) {
      if (!names.contains(name))
        throw new SpecException(
            "multipliers." + name,
            "no segment named '"
                + name
                + "' in the model (segments: "
                + String.join(", ", names)
                + ")");
    }
    return WrapsBase.super.init(model);
  }

  @Override
  public void step(ModelView model, OptimizerState state, StepContext ctx) {
    INDArray x = model.params();
    // Only the segments whose multiplier is not 1 need their pre-step values: copying just those
    // (and rescaling just those after) moves the fewest bytes (BENCHMARKS.md, "Optimizer step").
    List<Segment> scaled = new ArrayList<>();
    List<INDArray> before = new ArrayList<>();
    for (Segment s : model.layout().segments()) {
      Double c = multipliers.get(s.name());
      if (c == null || c == 1.0) continue;
      scaled.add(s);
      before.add(ModelView.slice(x, s).dup());
    }
    base.step(model, state.child("base"), ctx.withDiagnostics(ctx.diagnostics().prefixed("base")));
    for (int i = 0; i < scaled.size(); i++) {
      Segment s = scaled.get(i);
      double c = multipliers.get(s.name());
      INDArray xs = ModelView.slice(x, s);
      INDArray b = before.get(i);
      // x_s = before_s + c u_s = x_s + (c - 1) u_s, u_s = x_s - before_s
      if (Fused.applies(b, xs)) {
        // = x_s + (1 - c)(before_s - x_s): the same products, negated exactly
        Fused.pass().read(b).update(xs).run(new GraftKernel.Step(1 - c));
      } else {
        Vec.axpy(c - 1, b.rsubi(xs), xs);
      }
    }
  }
}
