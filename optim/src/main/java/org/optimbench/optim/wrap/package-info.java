/**
 * Wrappers that hold a base optimizer's state as a child and run it inside their own step:
 * Mechanic's learned scale on the base's cumulative update, and global-norm gradient clipping.
 */
package org.optimbench.optim.wrap;
