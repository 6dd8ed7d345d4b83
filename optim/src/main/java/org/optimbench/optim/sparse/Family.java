package org.optimbench.optim.sparse;

import org.optimbench.optim.spec.Registrar;

/** Registers this package's optimizers with the optimizer registry. */
public final class Family {
  private Family() {}

  public static void register(Registrar r) {
    r.add(
        "row_sparse",
        "Row-sparse embedding-table updates (SGD, row-wise AdaGrad, lazy Adam as torch.optim.SparseAdam) beside a base optimizer for the other parameters",
        RowSparse::from);
  }
}
