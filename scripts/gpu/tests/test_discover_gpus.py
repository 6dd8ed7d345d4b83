"""scripts/gpu/discover-gpus.sh against a stand-in nvidia-smi (python3 standard library only; OpsScriptsTest
in pipeline-jobs runs `python3 -m unittest discover -s scripts/gpu/tests` as part of scripts/test)."""
import json
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "discover-gpus.sh"


def discover(nvidia_smi=None):
    """Runs the script with PATH holding only a stand-in nvidia-smi (or nothing)."""
    with tempfile.TemporaryDirectory() as d:
        if nvidia_smi is not None:
            fake = Path(d) / "nvidia-smi"
            fake.write_text("#!/bin/bash\n" + nvidia_smi)
            fake.chmod(0o755)
        return subprocess.run(["/bin/bash", str(SCRIPT)], env={"PATH": d}, capture_output=True, text=True, timeout=30)


class DiscoverGpusTest(unittest.TestCase):
    def test_prints_every_gpu_index_as_spark_resource_json(self):
        p = discover('[ "$*" = "--query-gpu=index --format=csv,noheader" ] || exit 9\necho 0; echo 1; echo 3\n')
        self.assertEqual(0, p.returncode, p.stderr)
        self.assertEqual({"name": "gpu", "addresses": ["0", "1", "3"]}, json.loads(p.stdout))

    def test_without_nvidia_smi_exits_1_saying_so(self):
        p = discover(None)
        self.assertEqual(1, p.returncode)
        self.assertEqual("", p.stdout)
        self.assertIn("nvidia-smi not found", p.stderr)

    def test_a_failing_nvidia_smi_exits_1_with_its_message(self):
        p = discover('echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver"; exit 9\n')
        self.assertEqual(1, p.returncode)
        self.assertIn("couldn't communicate", p.stderr)

    def test_no_gpu_listed_exits_1(self):
        p = discover("exit 0\n")
        self.assertEqual(1, p.returncode)
        self.assertIn("no GPU", p.stderr)


if __name__ == "__main__":
    unittest.main()
