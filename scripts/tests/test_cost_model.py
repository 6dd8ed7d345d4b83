"""scripts/cost-model: its formulas, its argument checks, and that BENCHMARKS.md shows its output
(python3 standard library only; OpsScriptsTest runs `python3 -m unittest discover -s scripts/tests`)."""
import importlib.machinery
import importlib.util
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts/cost-model"


def load():
    loader = importlib.machinery.SourceFileLoader("cost_model", str(SCRIPT))
    spec = importlib.util.spec_from_loader("cost_model", loader)
    m = importlib.util.module_from_spec(spec)
    loader.exec_module(m)
    return m


class CostModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.m = load()
        cls.by_name = {w["name"]: w for w in cls.m.WORKLOADS}

    def test_gpt2_small_has_124m_parameters_and_6n_plus_attention_flops_per_token(self):
        w = self.by_name["GPT-2 small"]
        n, flops, _, grad = self.m.costs(w, 7)[""]
        self.assertAlmostEqual(124e6, n, delta=1e6)
        tokens = w["B"] * w["seq"]
        self.assertEqual((6 * n + 12 * 12 * 1024 * 768) * tokens, flops)
        self.assertEqual(4 * n, grad)

    def test_optimizer_traffic_grows_by_4_bytes_per_parameter_and_value(self):
        for w in self.m.WORKLOADS:
            for regime, (n, _, sgd, _) in self.m.costs(w, 3).items():
                adam = self.m.costs(w, 7)[regime][2]
                if regime == " rows":
                    touched = min(w["rows"], w["B"] * 26) * w["dim"] + (n - w["rows"] * w["dim"])
                    self.assertEqual(4 * 4 * touched, adam - sgd, w["name"])
                else:
                    self.assertEqual(4 * 4 * n, adam - sgd, w["name"])

    def test_dlrm_is_memory_bound_and_gpt2_small_compute_bound_on_an_h100(self):
        text = self.m.tables(790, 3.0, 100, 8)
        rows = [l.split("|") for l in text.splitlines() if l.startswith("| DLRM") or l.startswith("| GPT-2")]
        binds = {(r[1].strip(), r[5].strip()): r[9].strip() for r in rows if len(r) > 9}
        self.assertEqual("memory", binds[("DLRMsmall (AlgoPerf) dense", "Adam")])
        self.assertEqual("compute", binds[("GPT-2 small", "Adam")])

    def test_all_reduce_sends_2_n_minus_1_over_n_of_the_gradient(self):
        text = self.m.tables(790, 3.0, 100, 4)
        line = [l for l in text.splitlines() if l.startswith("| GPT-2 small | ")][-1]  # the all-reduce table
        grad, sent = line.split("|")[2].strip(), line.split("|")[3].strip()
        self.assertEqual("494MB", grad)
        self.assertEqual("741MB", sent)  # 2 * 3/4 * 494 MB

    def test_a_non_positive_option_exits_2_naming_it(self):
        p = subprocess.run([str(SCRIPT), "--workers", "0"], capture_output=True, text=True, timeout=30)
        self.assertEqual(2, p.returncode)
        self.assertIn("--workers", p.stderr)

    def test_benchmarks_md_shows_the_scripts_default_output(self):
        text = (ROOT / "BENCHMARKS.md").read_text()
        begin = text.index("<!-- cost-model:begin")
        block = text[text.index("\n", begin) + 1:text.index("<!-- cost-model:end -->")]
        out = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=30, check=True).stdout
        self.assertEqual(out, block, "BENCHMARKS.md's cost-model table is stale: rerun scripts/cost-model")


if __name__ == "__main__":
    unittest.main()
