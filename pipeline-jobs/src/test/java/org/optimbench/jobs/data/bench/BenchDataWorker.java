package org.optimbench.jobs.data.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.conf.WorkerMemory;
import org.optimbench.jobs.data.SplitIndex;
import org.optimbench.jobs.train.StreamedWorker;
import org.optimbench.jobs.workload.PreparedData;
import org.optimbench.jobs.workload.Workload;

/**
 * One training worker for {@link BenchData}, in a JVM of its own: {@code CONF DATA STEPS} trains
 * the conf's first run on the data-prep output DATA for STEPS steps as rank 0 of 1 in mode single
 * (the final evaluation on {@code eval.valid_fraction} 0.01, one checkpoint at the end, into a
 * temporary run directory next to DATA, deleted after), then prints one line: {@value #RESULT}
 * followed by key=value pairs (the process's VmHWM and the heap's peak committed size in kB, the
 * step and wait seconds, and {@link WorkerMemory}'s estimate for the same run).
 */
public final class BenchDataWorker {
  static final String RESULT = "RESULT";

  private BenchDataWorker() {}

  public static void main(String[] args) throws Exception {
    Path conf = Path.of(args[0]);
    Path data = Path.of(args[1]).toAbsolutePath();
    long steps = Long.parseLong(args[2]);
    Path out = Files.createTempDirectory(data.getParent(), "bench-runs-");
    try {
      RunConfig run =
          RunConf.load(
                  conf,
                  List.of(
                      "data.train=" + data,
                      "data.source=''",
                      "mode=single",
                      "workers=1",
                      "steps=" + steps,
                      "eval_every=0",
                      "checkpoint_every=0",
                      "log_every=" + Math.max(1, steps / 5),
                      "eval.valid_fraction=0.01",
                      "output=" + out))
              .get(0);
      Configuration hadoop = new Configuration();
      PreparedData prepared = PreparedData.open(data, "data.train");
      Workload workload = run.workload().bind(prepared);
      SplitIndex train = SplitIndex.load(data.toString(), "train", hadoop);
      SplitIndex valid = SplitIndex.load(data.toString(), "valid", hadoop);
      StreamedWorker.Result r =
          StreamedWorker.train(run, workload, train, valid, hadoop, System.out);
      long hwm = StreamedWorker.peakResidentKb();
      long heap = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans())
        if (pool.getType() == MemoryType.HEAP) heap += pool.getPeakUsage().getCommitted();
      WorkerMemory.Estimate model = WorkerMemory.of(run, prepared);
      System.out.println(model.summary());
      System.out.printf(
          Locale.ROOT,
          "%s outcome=%s steps=%d step_s=%.3f wait_s=%.4f first_wait_s=%.4f wait_fraction=%.6f"
              + " waits=%d windows=%d"
              + " training_vmhwm_kb=%d vmhwm_kb=%d heap_peak_kb=%d model_kb=%d%n",
          RESULT,
          r.outcome(),
          r.steps(),
          r.stepSeconds(),
          r.waitSeconds(),
          r.firstWaitSeconds(),
          r.waitFraction(),
          r.waits(),
          r.windows(),
          r.trainingPeakKb(),
          hwm,
          heap / 1024,
          model.total() / 1024);
    } finally {
      try (Stream<Path> s = Files.walk(out)) {
        for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(f);
      }
    }
    System.exit(0);
  }
}
