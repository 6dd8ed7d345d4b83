package org.optimbench.prep.common;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class SparksTest {
  private static Properties props(String master, String deployMode) {
    Properties p = new Properties();
    if (master != null) p.setProperty("spark.master", master);
    if (deployMode != null) p.setProperty("spark.submit.deployMode", deployMode);
    return p;
  }

  @Test
  void aSuccessfulMainReturnsToYarnsApplicationMasterInsteadOfExiting() {
    assertFalse(Sparks.exitsJvm(0, props("yarn", "cluster")));
  }

  @Test
  void failuresExitWithTheirStatusEverywhere() {
    assertTrue(Sparks.exitsJvm(1, props("yarn", "cluster")));
    assertTrue(Sparks.exitsJvm(2, props("yarn", "cluster")));
    assertTrue(Sparks.exitsJvm(1, props("spark://master:7077", "cluster")));
  }

  @Test
  void successExitsWhereTheJvmIsTheJobsOwn() {
    // client mode (scripts, spark-submit), standalone's DriverWrapper, local masters: no one else
    // ends the JVM, and threads ND4J or Hadoop left running would keep it alive
    assertTrue(Sparks.exitsJvm(0, props("yarn", "client")));
    assertTrue(Sparks.exitsJvm(0, props("spark://master:7077", "cluster")));
    assertTrue(Sparks.exitsJvm(0, props("local[2]", null)));
    assertTrue(Sparks.exitsJvm(0, props(null, null)));
  }
}
