package org.optimbench.optim.polyak;

import org.optimbench.optim.internal.PyMath;

/**
 * The step size and the online lower-bound estimate shared by MoMo and MoMo-Adam (fabian-sp/MoMo,
 * momo.py and momo_adam.py compute them with the same formulas; ρ is MoMo's bias correction or
 * MoMo-Adam's 1 - β1^k):
 *
 * <pre>
 * a = 1 + lr·λ
 * if use_fstar and a·f̄ + dot − a·Γ &lt; a·ρ·lb:  lb ← max((a·f̄ + dot − a·Γ) / (2·a·ρ), lb_floor)
 * τ = min(lr/ρ, max(a·(f̄ − ρ·lb) + dot − a·Γ, 0) / N)       (no guard for N = 0, as the reference)
 * if use_fstar:  lb ← max((f̄ + dot − Γ − τ·N/2) / ρ, lb_floor)  (quirk: no weight-decay factor here)
 * </pre>
 */
record MomoStepSize(double tau, double lowerBound) {
  static MomoStepSize of(
      double lossAvg,
      double dot,
      double gamma,
      double norm,
      double lrNow,
      double weightDecay,
      double rho,
      double lowerBound,
      double lbFloor,
      boolean useFstar) {
    double a = 1 + lrNow * weightDecay;
    double lb = lowerBound;
    if (useFstar) {
      double cap = a * lossAvg + dot - a * gamma;
      if (cap < a * rho * lb) lb = Math.max(cap / (2 * a * rho), lbFloor);
    }
    double tau =
        PyMath.min(lrNow / rho, PyMath.max(a * (lossAvg - rho * lb) + dot - a * gamma, 0.0) / norm);
    if (useFstar) lb = Math.max((lossAvg + dot - gamma - 0.5 * tau * norm) / rho, lbFloor);
    return new MomoStepSize(tau, lb);
  }
}
