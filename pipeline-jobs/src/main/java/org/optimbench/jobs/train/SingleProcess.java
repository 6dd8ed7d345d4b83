package org.optimbench.jobs.train;

import java.util.Optional;
import org.optimbench.jobs.collective.AllReduce;

/** {@code mode: single}: one worker; every step's own loss and gradient are the run's. */
final class SingleProcess extends ModeStrategy {
  SingleProcess(AllReduce comm) {
    super(comm);
    if (comm.size() != 1) {
      throw new IllegalArgumentException(
          "mode single needs exactly one worker, got " + comm.size());
    }
  }

  @Override
  Optional<Agreement> agree(long t, StepResult r, boolean mustAgree) {
    return Optional.of(new Agreement(r.loss(), r.examples(), Optional.empty()));
  }
}
