"""Each service as the contract declares it: its consumers, and an OpenAPI document that
documents every 2xx body."""
from __future__ import annotations

import asyncio
import importlib
from types import SimpleNamespace

import pytest
from relief_shared.calendar import WorkingCalendar
from relief_shared.contract import REGISTRY
from relief_shared.regions import RegionPacks
from relief_shared.settings import DEV_KIN_SECRET
from relief_shared.stack import SERVICES


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_the_service_subscribes_exactly_its_declared_consumers(service) -> None:  # noqa: ANN001
    events = importlib.import_module(f"{service.package}.events")
    from benefit_calc.ledger import Ledger

    runtime = SimpleNamespace(packs=RegionPacks.load(), calendar=WorkingCalendar.load(),
                              settings=SimpleNamespace(kin_secret=DEV_KIN_SECRET),
                              extras={"payments_due": asyncio.Event(), "ledger": Ledger("http://127.0.0.1:9", "s")})
    subscribed = {sub.spec.durable for sub in events.subscriptions(runtime)}
    declared = {c.durable for c in REGISTRY.consumers.values() if c.service == service.name}
    assert subscribed == declared
    assert all(sub.spec is REGISTRY.consumers[sub.spec.durable] for sub in events.subscriptions(runtime))


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_every_operation_documents_its_success_body(service, tmp_path) -> None:  # noqa: ANN001
    main = importlib.import_module(f"{service.package}.main")
    settings = importlib.import_module(f"{service.package}.settings").Settings(data_dir=tmp_path)
    spec = main.build(settings).openapi()
    missing = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ok = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
            if not ok or not all(r.get("content", {}).get("application/json", {}).get("schema") for r in ok.values()):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
