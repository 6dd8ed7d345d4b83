package org.optimbench.jobs.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** Which ND4J device a task's Spark GPU address maps to (docs/GPU.md, "Which GPU a task gets"). */
class GpuBindingTest {
  @Test
  void withoutCudaVisibleDevicesTheAddressIsTheDeviceNumber() {
    assertEquals(OptionalInt.of(3), GpuBinding.device(List.of("3"), null, 4));
    assertEquals(
        OptionalInt.of(0),
        GpuBinding.device(List.of("0", "1"), "", 4),
        "a task with two GPUs uses the first");
  }

  @Test
  void withCudaVisibleDevicesTheAddressIsLookedUpInTheList() {
    // An executor limited to physical GPUs 2 and 5 sees them as devices 0 and 1.
    assertEquals(OptionalInt.of(1), GpuBinding.device(List.of("5"), "2,5", 2));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> GpuBinding.device(List.of("3"), "2,5", 2));
    assertTrue(
        e.getMessage().contains("GPU 3") && e.getMessage().contains("CUDA_VISIBLE_DEVICES=2,5"),
        e.getMessage());
  }

  @Test
  void nothingIsBoundWithoutAnAssignmentOrWithOneVisibleDevice() {
    assertEquals(OptionalInt.empty(), GpuBinding.device(List.of(), null, 8));
    // isolated container, or the CPU backend: ND4J's only device is the one to use
    assertEquals(OptionalInt.empty(), GpuBinding.device(List.of("6"), null, 1));
  }

  @Test
  void anAddressOutsideTheVisibleDevicesIsAnError() {
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> GpuBinding.device(List.of("4"), null, 2));
    assertTrue(
        e.getMessage().contains("GPU 4") && e.getMessage().contains("2 devices"), e.getMessage());
    e =
        assertThrows(
            IllegalStateException.class, () -> GpuBinding.device(List.of("GPU-8f2c"), null, 2));
    assertTrue(e.getMessage().contains("GPU-8f2c"), e.getMessage());
  }
}
