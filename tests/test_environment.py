"""requirements.txt, environment.yml and the lock file pin the same versions."""

import re

from helpers.paths import PROJECT_ROOT


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        m = re.match(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", line)
        if m:
            pins[re.sub(r"[-_.]+", "-", m.group(1).lower())] = m.group(2)
    return pins


def test_environment_yml_has_the_same_pins_as_requirements():
    req = _pins((PROJECT_ROOT / "requirements.txt").read_text().splitlines())
    env_text = (PROJECT_ROOT / "environment.yml").read_text()
    env = _pins(env_text.split("- pip:")[1].splitlines())
    assert req and req == env
    assert re.search(r"^\s*- python=3\.11\s*$", env_text, re.M)


def test_every_requirement_is_pinned_and_agrees_with_the_lock():
    lines = [
        line
        for line in (PROJECT_ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    req = _pins(lines)
    assert len(req) == len(lines), "every requirement needs an exact == pin"
    lock = _pins((PROJECT_ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, ver in req.items():
        assert lock.get(name) == ver, f"{name}: requirements {ver}, lock {lock.get(name)}"
