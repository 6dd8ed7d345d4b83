"""optimbench on Airflow: prepare -> one train task per run of the sweep -> compare.

Every task is a spark-submit of the shaded job jar (`mvn -Pjobjar -pl pipeline-jobs -am package`,
or `scripts/submit/job` builds it) through SparkSubmitOperator
(apache-airflow-providers-apache-spark), with the same main classes, arguments and Java 17 flags
as `scripts/submit/job prepare|train|compare`. Install: docs/CLUSTER.md ("Airflow").

Run names are read at parse time from a checked-in list, `scripts/airflow/runs/<conf>.runs`
(written by `scripts/airflow/list-runs CONF > ...`), not by calling `train --list-runs`: the
scheduler re-parses DAG files every 30 s within a 30 s import timeout, on hosts that may have no
Java and no built jar, and a DAG file must not start a JVM or reach the network each time. The
list changes only when the conf's sweep does; OpsScriptsTest fails while a checked-in list
disagrees with its conf, and a stale list at run time makes `train --run NAME` exit 2 naming it.

Set at parse time (environment of the scheduler and workers):
  OPTIMBENCH_HOME      the checkout (default: the one this file lives in, symlinks followed)
  OPTIMBENCH_RUNS      the run-name list (default: $OPTIMBENCH_HOME/scripts/airflow/runs/quickstart.runs);
                       its "# conf:" line names the conf and the overrides it was generated with
  OPTIMBENCH_WORK      where data and run directories go; must be one path that the driver and every
                       executor see (NFS or another POSIX mount, docs/CLUSTER.md) (default $OPTIMBENCH_HOME/work)
  OPTIMBENCH_MAX_PARALLEL_RUNS  train tasks at once (default 4)
  OPTIMBENCH_SPARK_CONN the Airflow Spark connection: master, deploy mode, queue (default spark_default;
                       conn_id is not a templated field, so it cannot come from a Variable)
At run time: the Airflow Variable optimbench_job_jar (the job jar, a path or hdfs://, s3a:// URL;
default the jar in the checkout) and the DAG params data_source, data_train, output (trigger with
config to change them).
"""
import os
import re
from datetime import datetime
from pathlib import Path

from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

HOME = Path(os.environ.get("OPTIMBENCH_HOME") or Path(__file__).resolve().parents[2])
RUNS_FILE = Path(os.environ.get("OPTIMBENCH_RUNS") or HOME / "scripts/airflow/runs/quickstart.runs")
WORK = Path(os.environ.get("OPTIMBENCH_WORK") or HOME / "work")
MAX_PARALLEL_RUNS = int(os.environ.get("OPTIMBENCH_MAX_PARALLEL_RUNS", "4"))
SPARK_CONN = os.environ.get("OPTIMBENCH_SPARK_CONN", "spark_default")

MAINS = {
    "prepare": "org.optimbench.prep.Prepare",
    "train": "org.optimbench.jobs.train.Train",
    "compare": "org.optimbench.jobs.compare.Compare",
}
# The flags of scripts/lib.sh (JVM_FLAGS): ND4J and Spark on Java 17, and the JDK's vector API.
JAVA17_FLAGS = " ".join([
    "--add-opens=java.base/java.nio=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED", "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.net=ALL-UNNAMED", "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-exports=java.base/sun.security.action=ALL-UNNAMED",
    "--add-modules=jdk.incubator.vector",
])
OMP_NUM_THREADS = os.environ.get("OMP_NUM_THREADS", "1")
MALLOC_ARENA_MAX = os.environ.get("MALLOC_ARENA_MAX", "2")  # see scripts/lib.sh
SPARK_CONF = {
    "spark.driver.extraJavaOptions": JAVA17_FLAGS,
    "spark.executor.extraJavaOptions": JAVA17_FLAGS,
    "spark.executorEnv.OMP_NUM_THREADS": OMP_NUM_THREADS,
    "spark.yarn.appMasterEnv.OMP_NUM_THREADS": OMP_NUM_THREADS,
    "spark.kubernetes.driverEnv.OMP_NUM_THREADS": OMP_NUM_THREADS,
    "spark.executorEnv.MALLOC_ARENA_MAX": MALLOC_ARENA_MAX,
    "spark.yarn.appMasterEnv.MALLOC_ARENA_MAX": MALLOC_ARENA_MAX,
    "spark.kubernetes.driverEnv.MALLOC_ARENA_MAX": MALLOC_ARENA_MAX,
    "spark.log.level": "WARN",
}
JOB_JAR = "{{ var.value.get('optimbench_job_jar', '%s') }}" % (
    HOME / "pipeline-jobs/target/pipeline-jobs-0.1.0-SNAPSHOT-job.jar")


def read_runs(path):
    """(conf args, run names) of a list written by scripts/airflow/list-runs."""
    conf_args, names = None, []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("# conf:"):
            conf_args = line[len("# conf:"):].split()
        elif line.strip() and not line.startswith("#"):
            names.append(line.strip())
    if not conf_args or not names:
        raise ValueError(f"{path}: expected a '# conf: CONF.yaml ...' line and at least one run name "
                         f"(write it with scripts/airflow/list-runs)")
    return conf_args, names


def task_id(run):
    """An Airflow task id for a run name ([A-Za-z0-9_.-], at most 250 characters)."""
    return "train__" + re.sub(r"[^A-Za-z0-9_.-]", "_", run)[:240]


CONF_ARGS, RUNS = read_runs(RUNS_FILE)
CONF = str(HOME / CONF_ARGS[0]) if not os.path.isabs(CONF_ARGS[0]) else CONF_ARGS[0]
CONF_OVERRIDES = CONF_ARGS[1:]
if len({task_id(r) for r in RUNS}) != len(RUNS):
    raise ValueError(f"{RUNS_FILE}: two run names map to the same task id")


def submit(stage, task, args, **kwargs):
    return SparkSubmitOperator(
        task_id=task,
        conn_id=SPARK_CONN,
        application=JOB_JAR,
        java_class=MAINS[stage],
        name=f"optimbench {task}",
        application_args=args,
        conf=SPARK_CONF,
        env_vars={"OMP_NUM_THREADS": OMP_NUM_THREADS, "MALLOC_ARENA_MAX": MALLOC_ARENA_MAX},
        **kwargs,
    )


with DAG(
    dag_id="optimbench",
    description="prepare -> train each run of the sweep -> compare",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_tasks=MAX_PARALLEL_RUNS,
    tags=["optimbench", "spark"],
    params={
        "data_source": str(HOME / "data/libsvm/digits"),
        "data_train": str(WORK / "prep/digits"),
        "output": str(WORK / "runs/quickstart"),
    },
) as dag:
    # --overwrite: a re-triggered DAG rewrites the same (seeded, deterministic) data instead of
    # failing on the existing output; completed runs are skipped by train either way.
    prepare = submit("prepare", "prepare", [
        "libsvm", "--input", "{{ params.data_source }}", "--output", "{{ params.data_train }}", "--overwrite"])
    trains = [
        submit("train", task_id(run), [
            CONF, "--run", run, *CONF_OVERRIDES,
            "data.train={{ params.data_train }}", "output={{ params.output }}"])
        for run in RUNS
    ]
    # all_done: one failed run should not withhold the comparison of the others; the failed train
    # task still marks the DAG run failed.
    compare = submit("compare", "compare", [
        "--conf", CONF, "--out", "{{ params.output }}/compare", "{{ params.output }}"], trigger_rule="all_done")
    prepare >> trains
    trains >> compare
