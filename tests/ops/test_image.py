"""The image's base images: the Python CI tests with, and a Node.js line still supported.

No Docker engine runs in CI; these tests read the Dockerfile (tests/core/test_compose.py
checks its commands and paths, tests/ops/test_production_build.py builds what it builds).
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()
INSTRUCTIONS = re.sub(r"\\\n\s*", " ", DOCKERFILE).splitlines()

# End of life of each Node.js LTS line (even majors). Source: the Node.js Release Working
# Group's schedule, https://github.com/nodejs/Release#release-schedule (also schedule.json).
# Add a line when it enters LTS.
NODE_LTS_END_OF_LIFE = {
    18: dt.date(2025, 4, 30),  # Hydrogen
    20: dt.date(2026, 4, 30),  # Iron
    22: dt.date(2027, 4, 30),  # Jod
    24: dt.date(2028, 4, 30),  # Krypton
    26: dt.date(2029, 4, 30),  # Lithium
}


def build_arg(name: str) -> str:
    match = re.search(rf"^ARG {name}=(\S+)$", DOCKERFILE, re.M)
    assert match, f"the Dockerfile declares no ARG {name} with a default"
    return match.group(1)


def from_images() -> list[str]:
    return [line.split()[1] for line in INSTRUCTIONS if line.startswith("FROM ")]


def test_python_image_is_the_version_ci_tests_with():
    assert build_arg("PYTHON_VERSION") == "{}.{}".format(*sys.version_info[:2])
    python_images = [image for image in from_images() if image.startswith("python:")]
    assert len(python_images) == 2  # the build stage and the runtime stage
    assert all(image == "python:${PYTHON_VERSION}-slim" for image in python_images)


def test_node_image_is_an_lts_line_still_supported():
    node_images = [image for image in from_images() if image.startswith("node:")]
    assert node_images
    assert all(image.startswith("node:${NODE_VERSION}-") for image in node_images)
    major = int(build_arg("NODE_VERSION"))
    assert major % 2 == 0, f"Node.js {major} is an odd line: never LTS"
    assert major in NODE_LTS_END_OF_LIFE, f"add Node.js {major}'s end of life from the schedule"
    end_of_life = NODE_LTS_END_OF_LIFE[major]
    assert end_of_life > dt.date.today(), f"Node.js {major} reached its end of life {end_of_life}"


def test_build_only_settings_stay_in_the_build_step():
    """The placeholders that let the build step load settings never become image ENV."""
    env_lines = " ".join(line for line in INSTRUCTIONS if line.startswith("ENV "))
    for name in ("SECRET_KEY", "CENSUS_HASH_KEY", "EMAIL_URL", "EMAIL_BACKEND"):
        assert name not in env_lines, f"ENV {name} would ship in the image"
    (build_step,) = [line for line in INSTRUCTIONS if "manage.py collectstatic" in line]
    for name in ("SECRET_KEY", "CENSUS_HASH_KEY", "EMAIL_URL"):
        assert f" {name}=" in build_step, f"the build step does not set {name}"
