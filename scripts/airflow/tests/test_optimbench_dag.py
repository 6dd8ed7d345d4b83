"""Checks of scripts/airflow/optimbench_dag.py and scripts/submit/job (python3 standard library only).

Airflow is not installable here (no PyPI access), so the DAG is loaded against a stand-in for the
Airflow API in fake_airflow/ (DAG, SparkSubmitOperator, >>), which rejects unknown constructor
keywords and invalid task ids as Airflow does. Run from the repository root:
    python3 -m unittest discover -s scripts/airflow/tests -v
(OpsScriptsTest in pipeline-jobs runs this as part of `scripts/test`.)
"""
import contextlib
import importlib.util
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
DAG_FILE = ROOT / "scripts/airflow/optimbench_dag.py"
RUNS_FILE = ROOT / "scripts/airflow/runs/quickstart.runs"


def load_dag_module(**env):
    sys.path.insert(0, str(HERE / "fake_airflow"))
    saved = {k: os.environ.pop(k) for k in list(os.environ) if k.startswith("OPTIMBENCH_")}
    os.environ.update(env)
    try:
        spec = importlib.util.spec_from_file_location("optimbench_dag", DAG_FILE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        for k in env:
            os.environ.pop(k, None)
        os.environ.update(saved)
        sys.path.remove(str(HERE / "fake_airflow"))


def run_names(path):
    return [l.strip() for l in path.read_text().splitlines() if l.strip() and not l.startswith("#")]


class DagGraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.module = load_dag_module()
        cls.dag = cls.module.dag
        cls.tasks = cls.dag.task_dict
        cls.trains = [t for tid, t in cls.tasks.items() if tid.startswith("train__")]

    def test_one_train_task_per_run_of_the_list(self):
        names = run_names(RUNS_FILE)
        self.assertGreater(len(names), 1, "quickstart is a sweep")
        by_run = [t.kwargs["application_args"][t.kwargs["application_args"].index("--run") + 1] for t in self.trains]
        self.assertEqual(names, by_run)
        self.assertEqual({"prepare", "compare"} | {t.task_id for t in self.trains}, set(self.tasks))

    def test_prepare_runs_before_every_train_task_and_every_train_task_before_compare(self):
        prepare, compare = self.tasks["prepare"], self.tasks["compare"]
        train_ids = {t.task_id for t in self.trains}
        self.assertEqual(train_ids, prepare.downstream_task_ids)
        self.assertEqual(set(), prepare.upstream_task_ids)
        for t in self.trains:
            self.assertEqual({"prepare"}, t.upstream_task_ids, t.task_id)
            self.assertEqual({"compare"}, t.downstream_task_ids, t.task_id)
        self.assertEqual(train_ids, compare.upstream_task_ids)
        self.assertEqual("all_done", compare.trigger_rule, "one failed run must not withhold the comparison")

    def test_train_tasks_pass_the_conf_the_list_was_generated_from(self):
        conf = ROOT / "conf/quickstart.yaml"
        for t in self.trains:
            args = t.kwargs["application_args"]
            self.assertEqual(str(conf), args[0], t.task_id)
            self.assertTrue(conf.is_file())
            self.assertIn("output={{ params.output }}", args)
            self.assertIn("data.train={{ params.data_train }}", args)
        self.assertEqual(["libsvm", "--input", "{{ params.data_source }}", "--output", "{{ params.data_train }}", "--overwrite"],
                         self.tasks["prepare"].kwargs["application_args"])
        self.assertTrue((ROOT / "data/libsvm/digits").exists(), "default data_source")
        self.assertEqual(str(ROOT / "data/libsvm/digits"), self.dag.params["data_source"])

    def test_every_task_submits_the_job_jar_with_the_java17_flags(self):
        flags = lib_sh_flags()
        for t in self.tasks.values():
            conf = t.kwargs["conf"]
            self.assertEqual(flags, conf["spark.driver.extraJavaOptions"].split(), t.task_id)
            self.assertEqual(flags, conf["spark.executor.extraJavaOptions"].split(), t.task_id)
            self.assertIn("spark.executorEnv.OMP_NUM_THREADS", conf)
            self.assertIn(jobjar_name(), t.kwargs["application"], t.task_id)

    def test_prepare_and_train_main_classes_exist(self):
        for stage in ("prepare", "train"):
            self.assertTrue(main_source(self.module.MAINS[stage]), f"{stage}: {self.module.MAINS[stage]} has no main in the repo")
        self.assertEqual(self.module.MAINS["prepare"], self.tasks["prepare"].kwargs["java_class"])
        for t in self.trains:
            self.assertEqual(self.module.MAINS["train"], t.kwargs["java_class"])

    def test_compare_main_class_exists(self):
        main = self.module.MAINS["compare"]
        self.assertEqual(main, self.tasks["compare"].kwargs["java_class"])
        if not main_source(main) and not (ROOT / "scripts/compare").exists():
            self.skipTest(f"the comparison job ({main}, scripts/compare) is not on this branch yet")
        self.assertTrue(main_source(main), f"{main} has no main in the repo")

    def test_same_main_classes_as_the_submit_wrapper(self):
        text = (ROOT / "scripts/submit/job").read_text()
        wrapper = dict(re.findall(r"^\s+(\w+)\) main=([\w.]+) ;;", text, re.M))
        self.assertEqual(self.module.MAINS, wrapper)

    def test_a_runs_list_without_a_conf_line_is_an_error_naming_the_file(self):
        with tempfile.NamedTemporaryFile("w", suffix=".runs", delete=False) as f:
            f.write("quickstart__optimizer=prodigy\n")
        try:
            with self.assertRaises(ValueError) as e:
                load_dag_module(OPTIMBENCH_RUNS=f.name)
            self.assertIn(f.name, str(e.exception))
        finally:
            os.unlink(f.name)

    def test_scripts_the_dag_documents_exist(self):
        for script in ("scripts/airflow/list-runs", "scripts/submit/job", "scripts/train"):
            self.assertTrue(os.access(ROOT / script, os.X_OK), script)


class SubmitWrapperTest(unittest.TestCase):
    def submit(self, *args, **env):
        env = dict(os.environ, SUBMIT_DRY_RUN="1", MASTER="local[2]", **env)
        return subprocess.run([str(ROOT / "scripts/submit/job"), *args], env=env, capture_output=True, text=True, timeout=60)

    def confs(self, p):
        self.assertEqual(0, p.returncode, p.stderr)
        cmd = shlex.split(p.stdout)
        return dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "--conf")

    def test_dry_run_builds_a_spark_submit_command_with_flags_user_conf_and_job_args(self):
        p = self.submit("train", "--executor-memory", "2g", "--conf", "spark.executor.cores=2",
                        "--conf", "spark.executor.extraJavaOptions=-Dmine=1", "--", "conf/quickstart.yaml", "steps=20")
        self.assertEqual(0, p.returncode, p.stderr)
        cmd = shlex.split(p.stdout)
        self.assertEqual("org.optimbench.jobs.train.Train", cmd[cmd.index("--class") + 1])
        self.assertEqual("local[2]", cmd[cmd.index("--master") + 1])
        confs = dict(cmd[i + 1].split("=", 1) for i, a in enumerate(cmd) if a == "--conf")
        self.assertEqual(lib_sh_flags() + ["-Dmine=1"], confs["spark.executor.extraJavaOptions"].split())
        self.assertEqual(lib_sh_flags(), confs["spark.driver.extraJavaOptions"].split()[:len(lib_sh_flags())])
        self.assertEqual("2", confs["spark.executor.cores"])
        self.assertIn("spark.executorEnv.OMP_NUM_THREADS", confs)
        self.assertEqual(["2g"], [cmd[i + 1] for i, a in enumerate(cmd) if a == "--executor-memory"])
        jar = next(i for i, a in enumerate(cmd) if a.endswith("-job.jar"))
        self.assertEqual(["conf/quickstart.yaml", "steps=20"], cmd[jar + 1:])

    def test_a_client_mode_driver_logs_to_a_file_it_names_with_the_projects_configuration(self):
        confs = self.confs(self.submit("train", "--", "conf/quickstart.yaml", OPTIMBENCH_LOG_DIR="/var/tmp/obl"))
        flags = confs["spark.driver.extraJavaOptions"].split()[len(lib_sh_flags()):]
        props = dict(f[2:].split("=", 1) for f in flags)
        self.assertEqual(str(ROOT / "data-prep/src/main/resources/optimbench-log4j2.properties"),
                         props["log4j2.configurationFile"])
        self.assertTrue(Path(props["log4j2.configurationFile"]).is_file())
        self.assertRegex(props["optimbench.log.file"], r"^/var/tmp/obl/submit-train-\d{8}-\d{6}-\d+\.log$")
        self.assertNotIn("spark.log.level", confs, "Spark's level would cut what the log file keeps")
        self.assertEqual(lib_sh_flags(), confs["spark.executor.extraJavaOptions"].split())

    def test_a_cluster_mode_driver_logs_where_the_cluster_keeps_its_logs(self):
        with spark_home("exit 0\n") as home:
            for mode in (["--deploy-mode", "cluster"], ["--conf", "spark.submit.deployMode=cluster"]):
                confs = self.confs(self.submit("train", "--master", "yarn", *mode, "--", "conf/quickstart.yaml",
                                               SPARK_HOME=home))
                self.assertEqual(lib_sh_flags(), confs["spark.driver.extraJavaOptions"].split())
                self.assertEqual("WARN", confs["spark.log.level"])
                self.assertNotIn("spark.standalone.submit.waitAppCompletion", confs)

    def test_standalone_cluster_mode_waits_for_the_driver_unless_told_not_to(self):
        with spark_home("exit 0\n") as home:
            confs = self.confs(self.submit("train", "--master", "spark://m:7077", "--deploy-mode", "cluster",
                                           "--", "conf/quickstart.yaml", SPARK_HOME=home))
            self.assertEqual("true", confs["spark.standalone.submit.waitAppCompletion"])
            confs = self.confs(self.submit("train", "--master", "spark://m:7077", "--deploy-mode", "cluster",
                                           "--conf", "spark.standalone.submit.waitAppCompletion=false",
                                           "--", "conf/quickstart.yaml", SPARK_HOME=home))
            self.assertEqual("false", confs["spark.standalone.submit.waitAppCompletion"])

    def standalone_cluster(self, report, rc=0):
        """submit/job in standalone cluster mode against a stand-in spark-submit that writes Spark's
        Client state reports (`report`) where the wrapper's log4j configuration sends them."""
        with spark_home("f=$(printf '%s\\n' $SPARK_SUBMIT_OPTS | sed -n 's/^-Doptimbench.submit.states=//p')\n"
                        f"printf '%s' {shlex.quote(report)} > \"$f\"\n"
                        f"exit {rc}\n") as home:
            env = dict(os.environ, SPARK_HOME=home, JOB_JAR="/opt/job.jar")
            env.pop("SUBMIT_DRY_RUN", None)
            return subprocess.run([str(ROOT / "scripts/submit/job"), "train", "--master", "spark://m:7077",
                                   "--deploy-mode", "cluster", "--", "/shared/conf.yaml"],
                                  env=env, capture_output=True, text=True, timeout=60)

    RUNNING = ("Driver successfully submitted as driver-20260101000000-0007\n"
               "State of driver-20260101000000-0007 is RUNNING\n"
               "Driver running on 10.0.0.5:41553 (worker-20260101-10.0.0.5-41553)\n")

    def test_standalone_cluster_mode_exits_0_for_a_finished_driver(self):
        p = self.standalone_cluster(self.RUNNING + "State of driver driver-20260101000000-0007 is FINISHED, "
                                    "exiting spark-submit JVM.\n")
        self.assertEqual(0, p.returncode, p.stderr)

    def test_standalone_cluster_mode_exits_1_for_a_failed_or_killed_driver_naming_it_and_its_worker(self):
        for state in ("FAILED", "KILLED", "ERROR"):
            p = self.standalone_cluster(self.RUNNING + f"State of driver driver-20260101000000-0007 is {state}, "
                                        "exiting spark-submit JVM.\n")
            self.assertEqual(1, p.returncode, state)
            self.assertEqual(1, len(p.stderr.strip().splitlines()), p.stderr)
            self.assertIn(f"driver driver-20260101000000-0007 ended {state}", p.stderr)
            self.assertIn("10.0.0.5:41553", p.stderr)

    def test_standalone_cluster_mode_without_a_final_state_is_a_failure(self):
        p = self.standalone_cluster(self.RUNNING)
        self.assertEqual(1, p.returncode)
        self.assertIn("without reporting the driver's final state", p.stderr)

    def test_standalone_cluster_mode_passes_on_a_failed_submission(self):
        p = self.standalone_cluster("", rc=255)
        self.assertEqual(255, p.returncode)

    def test_an_unknown_stage_exits_2_naming_it(self):
        p = self.submit("trian", "conf/quickstart.yaml")
        self.assertEqual(2, p.returncode)
        self.assertIn("'trian'", p.stderr)

    def test_a_conf_without_a_value_exits_2(self):
        p = self.submit("train", "--conf", "spark.executor.cores")
        self.assertEqual(2, p.returncode)
        self.assertIn("spark.executor.cores", p.stderr)


@contextlib.contextmanager
def spark_home(body):
    """A SPARK_HOME whose bin/spark-submit is a bash script with `body`."""
    with tempfile.TemporaryDirectory() as home:
        (Path(home) / "bin").mkdir()
        fake = Path(home) / "bin/spark-submit"
        fake.write_text("#!/usr/bin/env bash\n" + body)
        fake.chmod(0o755)
        yield home


def lib_sh_flags():
    return re.findall(r"--add-(?:opens|exports|modules)=\S+", (ROOT / "scripts/lib.sh").read_text())


def jobjar_name():
    """pipeline-jobs-VERSION-job.jar as the -Pjobjar build names it (root pom version and classifier)."""
    pom = (ROOT / "pom.xml").read_text()
    version = re.search(r"<artifactId>optimbench-parent</artifactId>\s*<version>([^<]+)</version>", pom).group(1)
    classifier = re.search(r"<jobjar.classifier>([^<]+)</jobjar.classifier>", pom).group(1)
    assert "<shadedClassifierName>${jobjar.classifier}</shadedClassifierName>" in (ROOT / "pipeline-jobs/pom.xml").read_text()
    return f"pipeline-jobs-{version}-{classifier}.jar"


def main_source(cls):
    """The source file of `cls` in any module when it declares a main method, else None."""
    rel = cls.replace(".", "/") + ".java"
    for f in ROOT.glob("*/src/main/java/" + rel):
        if re.search(r"public\s+static\s+void\s+main\s*\(", f.read_text()):
            return f
    return None


if __name__ == "__main__":
    unittest.main()
