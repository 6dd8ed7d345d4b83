package org.optimbench.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The executor plugin joins the user's {@code spark.plugins} instead of replacing them. */
class ExecutorSetupTest {
  @Test
  void theUsersPluginsAreKept() {
    String ours = ExecutorSetup.NAME;
    assertEquals(ours, ExecutorSetup.plugins(null));
    assertEquals(ours, ExecutorSetup.plugins(" "));
    assertEquals("com.example.P," + ours, ExecutorSetup.plugins("com.example.P"));
    assertEquals("com.example.P, " + ours, ExecutorSetup.plugins("com.example.P, " + ours));
  }
}
