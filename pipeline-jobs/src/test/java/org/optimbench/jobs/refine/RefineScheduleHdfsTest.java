package org.optimbench.jobs.refine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.optimbench.jobs.conf.RunConf;
import org.optimbench.jobs.conf.RunConfig;
import org.optimbench.jobs.fs.Location;
import org.optimbench.jobs.fs.MiniHdfs;
import org.optimbench.jobs.run.MetricsLog;
import org.optimbench.optim.schedule.RefinedSchedule;
import org.optimbench.optim.schedule.Schedule;
import picocli.CommandLine;

/**
 * refine-schedule reads a run's metrics from HDFS and writes the schedule there, and a conf's
 * {@code schedule: {name: refined, path: hdfs://...}} trains with that file.
 */
class RefineScheduleHdfsTest {
  @TempDir static Path base;
  static MiniHdfs hdfs;

  @BeforeAll
  static void start() throws IOException {
    hdfs = MiniHdfs.start(base.resolve("hdfs"));
  }

  @AfterAll
  static void stop() {
    hdfs.close();
  }

  @Test
  void fromAndToHdfsAndReadBackThroughAConf() throws IOException {
    // constant norms: the refined schedule is a linear decay over the logged length
    StringBuilder log = new StringBuilder("step,grad_norm\n");
    for (int s = 0; s < 100; s += 10) log.append(s).append(",2.5\n");
    Location run = Location.of(hdfs.uri("/runs/sgd"));
    run.mkdirs();
    run.resolve(MetricsLog.FILE).replace(log.toString());
    String out = hdfs.uri("/schedules/sgd.csv");

    StringWriter err = new StringWriter();
    CommandLine cl = RefineSchedule.commandLine();
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    int rc =
        cl.execute(
            "--metrics",
            run.uri(),
            "--norm-column",
            "grad_norm",
            "--kind",
            "l2",
            "--no-smoothing",
            "--out",
            out);
    assertEquals(0, rc, err.toString());
    RefinedSchedule written = RefinedSchedule.parse(Location.of(out).readString(), out);
    assertEquals(91, written.length());
    assertEquals(1.0, written.factor(0), 1e-12);
    assertEquals(0.0, written.factor(90), 1e-12);

    Path conf = base.resolve("refined.yaml");
    Files.writeString(
        conf,
        "name: refined\ndata: {train: /d}\noptimizer: {name: sgd}\nsteps: 91\n"
            + "schedule: {name: refined, path: '"
            + out
            + "'}\n");
    RunConfig c = RunConf.load(conf, List.of()).get(0);
    Schedule s = c.newSchedule(91);
    for (int t = 0; t < 91; t++) assertEquals(written.factor(t), s.factor(t), 1e-15);
  }
}
