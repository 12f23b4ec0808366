"""Static checks of the deployment files (no Docker engine needed).

* compose.yaml validates against the Compose Specification schema vendored in
  check-jsonschema (``--builtin-schema vendor.compose-spec``; works offline).
* compose.yaml, the per-service Dockerfiles and deploy/postgres-init.sql agree
  with each other: ports, migrations, environment, databases.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO_ROOT / "compose.yaml"
INIT_SQL = REPO_ROOT / "deploy" / "postgres-init.sql"

# compose service name (== directory under services/) -> (import package, port, env prefix)
SERVICES: dict[str, tuple[str, int, str]] = {
    "eligibility": ("eligibility", 8001, "ELIGIBILITY_"),
    "benefit-calc": ("benefit_calc", 8002, "BENEFIT_CALC_"),
    "approval": ("approval", 8003, "APPROVAL_"),
    "means-check": ("means_check", 8004, "MEANS_CHECK_"),
    "disbursement": ("disbursement", 8005, "DISBURSEMENT_"),
}
SERVICE_PARAMS = pytest.mark.parametrize("name", sorted(SERVICES))


# ----------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict:
    yaml_mod = pytest.importorskip("ruamel.yaml", reason="ruamel.yaml is needed to parse compose.yaml")
    # The safe loader resolves anchors/aliases and `<<` merge keys like Compose does.
    return yaml_mod.YAML(typ="safe", pure=True).load(COMPOSE_FILE.read_text())


def _service(compose: dict, name: str) -> dict:
    services = compose.get("services") or {}
    assert name in services, f"compose.yaml has no service {name!r}"
    return services[name]


def _environment(svc: dict) -> dict[str, str]:
    env = svc.get("environment") or {}
    if isinstance(env, list):  # ["KEY=value", ...] form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _depends_on(svc: dict) -> dict[str, dict]:
    deps = svc.get("depends_on") or {}
    if isinstance(deps, list):  # short form means condition: service_started
        deps = {d: {"condition": "service_started"} for d in deps}
    return deps


def _published_container_ports(svc: dict) -> set[tuple[int, int | None]]:
    """(container port, host port) pairs from short or long port syntax."""
    result: set[tuple[int, int | None]] = set()
    for entry in svc.get("ports") or []:
        if isinstance(entry, dict):
            published = entry.get("published")
            result.add((int(entry["target"]), int(published) if published is not None else None))
            continue
        spec = str(entry).split("/", 1)[0]  # drop /tcp
        parts = spec.split(":")
        container = int(parts[-1])
        host = int(parts[-2]) if len(parts) >= 2 and parts[-2] else None
        result.add((container, host))
    return result


def _command(svc: dict) -> list[str]:
    cmd = svc.get("command")
    return cmd.split() if isinstance(cmd, str) else list(cmd or [])


def _dockerfile_path(svc: dict) -> Path:
    build = svc.get("build")
    assert isinstance(build, dict), "build must be a mapping with context and dockerfile"
    assert build.get("context") == ".", "build context must be the repo root"
    return REPO_ROOT / build["context"] / build["dockerfile"]


def _dockerfile_instructions(path: Path) -> str:
    """Dockerfile text with comments dropped and line continuations joined."""
    lines = [ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("#")]
    return re.sub(r"\\\n\s*", " ", "\n".join(lines))


def _database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# ------------------------------------------------------------ schema check


def test_compose_validates_against_compose_spec() -> None:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(COMPOSE_FILE),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_compose_has_no_obsolete_version_key(compose: dict) -> None:
    assert "version" not in compose


# --------------------------------------------------------- infrastructure


def test_postgres_service(compose: dict) -> None:
    pg = _service(compose, "postgres")
    assert str(pg["image"]).startswith("postgres:16")
    env = _environment(pg)
    assert env.get("POSTGRES_USER") == "relief"
    assert env.get("POSTGRES_PASSWORD") == "relief"
    assert "pg_isready" in " ".join(map(str, pg["healthcheck"]["test"]))

    mounts = [str(v) for v in pg.get("volumes") or []]
    init_mounts = [
        m for m in mounts if m.split(":")[1].startswith("/docker-entrypoint-initdb.d")
    ]
    assert init_mounts, "init SQL is not mounted into /docker-entrypoint-initdb.d"
    assert any(
        (REPO_ROOT / m.split(":")[0]).resolve() == INIT_SQL.resolve() for m in init_mounts
    ), init_mounts


def test_nats_service_runs_jetstream(compose: dict) -> None:
    nats = _service(compose, "nats")
    assert str(nats["image"]).startswith("nats:2.10")
    conf = (REPO_ROOT / "deploy" / "nats" / "nats.conf").read_text()  # JetStream is configured there
    assert 'jetstream { store_dir: "/data" }' in conf
    assert any(str(v).split(":")[1] == "/data" for v in nats.get("volumes") or [])


def test_named_volumes_are_declared(compose: dict) -> None:
    declared = set(compose.get("volumes") or {})
    for name, svc in compose["services"].items():
        for vol in svc.get("volumes") or []:
            if isinstance(vol, dict) and vol.get("type") == "bind":
                continue
            source = str(vol).split(":")[0]
            if not source.startswith((".", "/", "~")):  # not a bind mount
                assert source in declared, f"{name}: volume {source!r} not declared"


# ------------------------------------------------------------- app services


@SERVICE_PARAMS
def test_service_publishes_its_port(compose: dict, name: str) -> None:
    _, port, _ = SERVICES[name]
    assert (port, port) in _published_container_ports(_service(compose, name))


@SERVICE_PARAMS
def test_service_waits_for_its_migration_and_nats(compose: dict, name: str) -> None:
    deps = _depends_on(_service(compose, name))
    assert deps.get(f"migrate-{name}", {}).get("condition") == "service_completed_successfully"
    assert "nats" in deps


@SERVICE_PARAMS
def test_migration_service(compose: dict, name: str) -> None:
    pkg, _, _ = SERVICES[name]
    app = _service(compose, name)
    migrate = _service(compose, f"migrate-{name}")

    assert _command(migrate) == ["python", "-m", "relief_shared.migrate", pkg]
    assert str(migrate.get("restart")) == "no"
    assert _depends_on(migrate).get("postgres", {}).get("condition") == "service_healthy"
    # Same image/build as the app, and the same DB settings.
    assert migrate.get("image") == app.get("image")
    assert migrate.get("build") == app.get("build")
    assert _environment(migrate) == _environment(app)


@SERVICE_PARAMS
def test_service_environment(compose: dict, name: str) -> None:
    _, _, prefix = SERVICES[name]
    env = _environment(_service(compose, name))

    url = urlsplit(env[f"{prefix}DATABASE_URL"])
    assert url.scheme == "postgresql+asyncpg"
    assert url.hostname == "postgres" and url.hostname in compose["services"]
    assert url.username == "relief"
    assert _database_name(env[f"{prefix}DATABASE_URL"]), "DATABASE_URL names no database"

    nats = urlsplit(env[f"{prefix}NATS_URL"])
    assert nats.scheme == "nats" and nats.hostname == "nats"

    assert env[f"{prefix}ENVIRONMENT"] == "production"
    # Compose must refuse to start without a secret rather than default one.
    assert re.fullmatch(r"\$\{RELIEF_JWT_SECRET:\?[^}]*\}", env["RELIEF_JWT_SECRET"])
    assert re.fullmatch(r"\$\{RELIEF_KIN_SECRET:\?[^}]*\}", env["RELIEF_KIN_SECRET"])
    # No stray settings for another service's prefix.
    others = {p for n, (_, _, p) in SERVICES.items() if n != name}
    assert not [k for k in env if any(k.startswith(p) for p in others)]


@SERVICE_PARAMS
def test_service_reads_the_mounted_region_packs(compose: dict, name: str) -> None:
    """Ops edit the packs on the host and reload them without a restart (pack_ops): the folder
    every service reads is the one mounted into it, read-only, by default the repository's packs."""
    _, _, prefix = SERVICES[name]
    svc = _service(compose, name)
    target = _environment(svc)[f"{prefix}REGIONS_DIR"]
    [packs] = [v for v in svc.get("volumes") or [] if isinstance(v, dict) and v.get("target") == target]
    assert packs["type"] == "bind" and packs["read_only"] is True
    default = re.fullmatch(r"\$\{RELIEF_REGIONS_DIR:-(.+)\}", packs["source"])
    assert default and (REPO_ROOT / default.group(1) / "fuxin-haizhou" / "pack.toml").is_file()


@SERVICE_PARAMS
def test_service_dockerfile(compose: dict, name: str) -> None:
    pkg, port, _ = SERVICES[name]
    path = _dockerfile_path(_service(compose, name))
    assert path == REPO_ROOT / "services" / name / "Dockerfile"
    assert path.is_file(), f"{path} does not exist"
    text = _dockerfile_instructions(path)

    assert re.search(r"^FROM\s+python:3\.11-slim\b", text, re.M)
    assert re.search(rf"^EXPOSE\s+{port}\s*$", text, re.M), f"no EXPOSE {port}"
    install = re.search(r"^RUN\s+.*\bpip install\b(.*)$", text, re.M)
    assert install, "no pip install step"
    args = install.group(1).split()
    assert "./shared" in args, "does not install ./shared"
    assert f"./services/{name}" in args
    assert "-c" in args and args[args.index("-c") + 1] == "constraints.txt"
    assert re.search(r"^COPY\s+constraints\.txt\s", text, re.M)

    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and user[-1] not in {"root", "0"}, "must run as a non-root user"
    healthcheck = re.search(r"^HEALTHCHECK\s.*$", text, re.M)
    assert healthcheck and "urllib" in healthcheck.group(0)
    assert f"{port}/healthz" in healthcheck.group(0)
    cmd = re.findall(r"^CMD\s+(.*)$", text, re.M)
    assert cmd and f"{pkg}.main:app" in cmd[-1] and str(port) in cmd[-1]


def test_dockerfiles_differ_only_in_service_identity() -> None:
    """Keep the five Dockerfiles in lockstep: normalise the identity, compare."""
    normalised = {}
    for name, (pkg, port, _) in SERVICES.items():
        text = (REPO_ROOT / "services" / name / "Dockerfile").read_text()
        # dir and package name are both "the service" (they coincide for eligibility)
        text = text.replace(name, "<SVC>").replace(pkg, "<SVC>").replace(str(port), "<PORT>")
        normalised[name] = text
    reference = normalised["eligibility"]
    drifted = [n for n, t in normalised.items() if t != reference]
    assert not drifted, f"Dockerfiles drifted from services/eligibility/Dockerfile: {drifted}"


# -------------------------------------------------------------- databases


def test_init_sql_creates_every_service_database(compose: dict) -> None:
    sql = re.sub(r"--[^\n]*", "", INIT_SQL.read_text())
    created = {
        m.group(1).lower(): (m.group(2) or "").lower()
        for m in re.finditer(
            r'CREATE\s+DATABASE\s+"?(\w+)"?(?:[^;]*?\bOWNER\s*=?\s*"?(\w+)"?)?[^;]*;',
            sql,
            re.I,
        )
    }
    wanted = set()
    for name, (_, _, prefix) in SERVICES.items():
        wanted.add(_database_name(_environment(_service(compose, name))[f"{prefix}DATABASE_URL"]))
    assert wanted == {"eligibility", "benefit_calc", "approval", "means_check", "disbursement"}
    missing = wanted - set(created)
    assert not missing, f"postgres-init.sql does not create: {sorted(missing)}"
    assert all(created[db] == "relief" for db in wanted), created


def test_each_service_has_its_own_database(compose: dict) -> None:
    urls = [
        _environment(_service(compose, name))[f"{prefix}DATABASE_URL"]
        for name, (_, _, prefix) in SERVICES.items()
    ]
    assert len({_database_name(u) for u in urls}) == len(urls)


# ------------------------------------------------------------- broker users


def test_nats_runs_with_the_generated_users_and_their_passwords(compose: dict) -> None:
    from relief_shared import broker

    nats = _service(compose, "nats")
    assert _command(nats)[:2] == ["-c", "/etc/nats/nats.conf"]
    assert "./deploy/nats/nats.conf:/etc/nats/nats.conf:ro" in nats["volumes"]
    assert broker.main(["--root", str(REPO_ROOT), "--check"]) == 0, "deploy/nats/nats.conf is stale"
    env = _environment(nats)
    for user in broker.users():  # no default: compose refuses to start without each password
        assert re.fullmatch(rf"\$\{{{user.password_env}:\?[^}}]*\}}", env[user.password_env]), user.name


@SERVICE_PARAMS
def test_each_service_connects_as_its_own_broker_user(compose: dict, name: str) -> None:
    from relief_shared import broker

    _, _, prefix = SERVICES[name]
    env = _environment(_service(compose, name))
    assert env[f"{prefix}NATS_USER"] == name
    assert env[f"{prefix}NATS_PASSWORD"] == _environment(_service(compose, "nats"))[broker.by_name(name).password_env]
