/**
 * Polyak-type step sizes that read the batch loss: MoMo and MoMo-Adam (fabian-sp/MoMo) and motaps,
 * a stochastic Polyak step with per-example loss targets kept in the trainer's example store.
 */
package org.optimbench.optim.polyak;
