package org.optimbench.jobs.collective;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Binds a Spark task's thread to the GPU that Spark assigned it ({@code
 * spark.task.resource.gpu.amount}), so that on a host where every executor sees every GPU each
 * worker computes on its own device rather than all on device 0.
 *
 * <p>Spark's address is what the discovery script printed (nvidia-smi's index). ND4J numbers the
 * devices it can see from 0: with {@code CUDA_VISIBLE_DEVICES} set, device k is the k-th entry of
 * that list, so the address is looked up there; otherwise the address is the device number. When
 * ND4J sees a single device (GPU isolation by YARN or Kubernetes, or {@code
 * ND4J_CUDA_FORCE_SINGLE_GPU}) there is nothing to choose and nothing is bound; the CPU backend is
 * such a case. A task given several GPUs uses the first: the trainer runs one worker per task.
 */
public final class GpuBinding {
  private GpuBinding() {}

  /**
   * The ND4J device number for Spark's GPU {@code addresses} (empty when none were assigned), given
   * the value of {@code CUDA_VISIBLE_DEVICES} (null or blank when unset) and the number of devices
   * ND4J sees; empty when there is nothing to bind.
   */
  public static OptionalInt device(
      List<String> addresses, String cudaVisibleDevices, int visibleDevices) {
    if (addresses.isEmpty() || visibleDevices <= 1) return OptionalInt.empty();
    String address = addresses.get(0).trim();
    int device;
    if (cudaVisibleDevices != null && !cudaVisibleDevices.isBlank()) {
      List<String> visible =
          Arrays.stream(cudaVisibleDevices.split(",")).map(String::trim).toList();
      device = visible.indexOf(address);
      if (device < 0) {
        throw new IllegalStateException(
            "Spark assigned GPU "
                + address
                + " but CUDA_VISIBLE_DEVICES="
                + cudaVisibleDevices
                + " does not list it");
      }
    } else {
      try {
        device = Integer.parseInt(address);
      } catch (NumberFormatException e) {
        throw new IllegalStateException(
            "Spark assigned GPU '"
                + address
                + "', which is not a device number; set CUDA_VISIBLE_DEVICES to list it",
            e);
      }
    }
    if (device < 0 || device >= visibleDevices) {
      throw new IllegalStateException(
          "Spark assigned GPU "
              + address
              + " (device "
              + device
              + ") but ND4J sees "
              + visibleDevices
              + " devices");
    }
    return OptionalInt.of(device);
  }

  /** Binds the calling task thread to its assigned GPU, if any; returns the device bound. */
  public static OptionalInt bindCurrentTask() {
    TaskContext task = TaskContext.get();
    if (task == null) return OptionalInt.empty();
    Map<String, ResourceInformation> resources = task.resourcesJMap();
    ResourceInformation gpu = resources.get("gpu");
    List<String> addresses = gpu == null ? List.of() : List.of(gpu.addresses());
    if (addresses.isEmpty()) return OptionalInt.empty();
    OptionalInt device =
        device(
            addresses,
            System.getenv("CUDA_VISIBLE_DEVICES"),
            Nd4j.getAffinityManager().getNumberOfDevices());
    device.ifPresent(d -> Nd4j.getAffinityManager().unsafeSetDevice(d));
    return device;
  }
}
