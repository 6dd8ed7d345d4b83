package org.optimbench.optim.registry;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.optimbench.optim.Optimizer;
import org.optimbench.optim.spec.Hparams;
import org.optimbench.optim.spec.Registrar;
import org.optimbench.optim.spec.Spec;
import org.optimbench.optim.spec.SpecException;

/**
 * The one map from optimizer name to factory. Conf files, the training CLI, the trace command and
 * the tests all create optimizers here, so a name means the same algorithm everywhere.
 *
 * <p>Each family of methods registers itself from its package ({@code Family.register}, through the
 * {@link Registrar} interface, so families do not depend on this class); a factory reads its
 * hyperparameters from {@link Hparams} with the reference implementation's names and defaults and
 * returns an immutable config record.
 */
public final class OptimizerRegistry {
  /** A factory plus a one-line description for {@code --help} listings. */
  public record Entry(String name, String description, Function<Hparams, Optimizer> factory) {}

  /** An optimizer together with the spec it was made from, with every default filled in. */
  public record Resolved(Optimizer optimizer, Spec spec) {}

  private static final Map<String, Entry> ENTRIES = new TreeMap<>();

  static {
    Registrar r =
        (name, description, factory) -> {
          if (ENTRIES.put(name, new Entry(name, description, factory)) != null) {
            throw new IllegalStateException("optimizer '" + name + "' registered twice");
          }
        };
    org.optimbench.optim.baseline.Family.register(r);
    org.optimbench.optim.dadapt.Family.register(r);
    org.optimbench.optim.wrap.Family.register(r);
    org.optimbench.optim.dualavg.Family.register(r);
    org.optimbench.optim.schedulefree.Family.register(r);
    org.optimbench.optim.polyak.Family.register(r);
    org.optimbench.optim.graft.Family.register(r);
    org.optimbench.optim.hypergrad.Family.register(r);
    org.optimbench.optim.sparse.Family.register(r);
  }

  private OptimizerRegistry() {}

  public static Map<String, Entry> entries() {
    return Collections.unmodifiableMap(ENTRIES);
  }

  /** Creates the optimizer of {@code spec}; errors name fields under "optimizer". */
  public static Optimizer create(Spec spec) {
    return resolve(spec, "optimizer").optimizer();
  }

  /**
   * Creates the optimizer of {@code spec}; errors name fields under {@code path} (e.g.
   * "optimizer.hparams.base").
   */
  public static Resolved resolve(Spec spec, String path) {
    Entry e = ENTRIES.get(spec.name());
    if (e == null) {
      throw new SpecException(
          path + ".name",
          "unknown optimizer '"
              + spec.name()
              + "' (known: "
              + String.join(", ", ENTRIES.keySet())
              + ")");
    }
    Hparams hp =
        new Hparams(
            path + ".hparams", spec.hparams(), (nested, at) -> resolve(nested, at).optimizer());
    Optimizer o;
    try {
      o = e.factory().apply(hp);
    } catch (SpecException ex) {
      // Config records validate with bare field names; nested factories already report full paths.
      throw ex.field().startsWith(path) ? ex : ex.under(path + ".hparams");
    }
    hp.finish();
    return new Resolved(o, new Spec(spec.name(), hp.resolved()));
  }
}
