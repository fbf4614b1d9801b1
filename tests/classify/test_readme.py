"""README.md's "Classify a photo" commands, run as they are written, from the repository's root.

`~/photo.jpg` becomes scikit-image's chelsea.png (a PNG: every language decodes the same pixels,
so every program prints the same top-5), and the model cache a fresh folder, which the block's
`predict-models fetch lite0` fills. test_classify.py checks the same programs against onnxruntime.
"""
from __future__ import annotations

import os
import re
import subprocess
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PATH = os.pathsep.join([sysconfig.get_path("scripts"), "/opt/swift/usr/bin", os.environ.get("PATH", "")])
TOP = re.compile(r"^\s+\d+\.\d+%\s+.+ \(\d+\)$", re.M)   # a class line of a classify program


@pytest.mark.slow
def test_readme_classify_commands(tmp_path):
    import skimage
    photo = Path(skimage.__file__).parent / "data" / "chelsea.png"
    block = (ROOT / "README.md").read_text().split("## Classify a photo, from any language", 1)[1]
    block = re.search(r"^```sh\n(.*?)^```$", block, re.M | re.S).group(1)
    commands = [re.sub(r"\s+# .*$", "", line) for line in block.splitlines() if line.strip()]
    assert commands[0] == "predict-models fetch lite0" and len(commands) == 5, commands
    env = dict(os.environ, PATH=PATH, PREDICT_MODELS_DIR=str(tmp_path))
    subprocess.run(["bash", "build.sh"], cwd=ROOT / "generated" / "java", env=env, check=True,
                   capture_output=True, timeout=900)   # the jar the java line runs
    tops = {}
    for command in commands:
        res = subprocess.run(["bash", "-c", command.replace("~/photo.jpg", str(photo))], cwd=ROOT,
                             env=env, capture_output=True, text=True, timeout=1800)
        assert res.returncode == 0, f"{command}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
        if command != commands[0]:
            tops[command] = TOP.findall(res.stdout)
            assert len(tops[command]) == 5, f"{command}:\n{res.stdout}"
    assert (tmp_path / "efficientnet-lite0.onnx").is_file()
    first = next(iter(tops.values()))
    for command, top in tops.items():
        assert top == first, f"{command} printed\n{top}\nwhere {next(iter(tops))} printed\n{first}"
