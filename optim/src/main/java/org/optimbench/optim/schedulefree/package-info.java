/**
 * Schedule-Free SGD and AdamW as facebookresearch/schedule_free's reference versions: the model
 * trains at y, the state keeps the base sequence z and the average x, and {@link
 * org.optimbench.optim.Optimizer#evalParams} returns x for evaluation and checkpoints.
 */
package org.optimbench.optim.schedulefree;
