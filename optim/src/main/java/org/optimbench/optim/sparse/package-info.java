/**
 * Row-sparse updates of embedding tables ({@link org.optimbench.optim.sparse.RowSparse}): only the
 * rows a step's gradient touches are updated, with their own per-row state, while a base optimizer
 * updates every other parameter. A different algorithm from the dense methods (untouched rows keep
 * their moments instead of decaying them), offered for the methods where the row-sparse form is
 * well defined: SGD, row-wise AdaGrad and lazy Adam.
 */
package org.optimbench.optim.sparse;
