"""`make demo`: with the suite running (`make run`), one emergency case from the window to the bank.

A clerk at 韩家店镇 accepts a fire case (severity severe), an approver of the same town approves
the advance assistance, and the demo prints the case with its timeline once it is paid.
"""
from __future__ import annotations

import json
import os
import sys
import time

import httpx
from relief_shared.auth import issue
from relief_shared.samples import SAMPLE_ORG_UNIT as ORG_UNIT
from relief_shared.samples import fire_case
from relief_shared.settings import DEV_JWT_SECRET

ELIGIBILITY = os.environ.get("RELIEF_ELIGIBILITY_URL", "http://127.0.0.1:8001")
APPROVAL = os.environ.get("RELIEF_APPROVAL_URL", "http://127.0.0.1:8003")
SECRET = os.environ.get("RELIEF_JWT_SECRET", DEV_JWT_SECRET)


def bearer(sub: str, name: str, role: str) -> dict[str, str]:
    token = issue(SECRET, sub=sub, name=name, roles=[role], region="fuxin-haizhou", org_unit=ORG_UNIT)
    return {"Authorization": f"Bearer {token}"}


CLERK = bearer("clerk-hjd-01", "李经办 (clerk)", "clerk")
APPROVER = bearer("approver-hjd-01", "张审批 (approver)", "approver")


def wait_for(client: httpx.Client, case_id: str, status: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        case = client.get(f"{ELIGIBILITY}/v1/cases/{case_id}", headers=CLERK).raise_for_status().json()
        if case["status"] == status:
            return case
        if time.monotonic() > deadline:
            sys.exit(f"case {case_id} is {case['status']!r}, not {status!r}, after {timeout}s — is `make run` up?")
        time.sleep(0.2)


def main() -> int:
    with httpx.Client(timeout=10) as client:
        try:
            created = client.post(f"{ELIGIBILITY}/v1/cases", json=fire_case(), headers=CLERK)
        except httpx.ConnectError:
            sys.exit("the suite is not running: start it with `make run` in another terminal")
        created.raise_for_status()
        case_id = created.json()["case_id"]
        print(f"accepted case {case_id}")
        case = wait_for(client, case_id, "pending_approval")
        print(f"ceiling {case['benefit']['ceiling']} by {', '.join(case['benefit']['rules'])}")
        task = next(t for t in client.get(f"{APPROVAL}/v1/tasks", headers=APPROVER).raise_for_status().json()
                    if t["case_id"] == case_id)
        decision = {"step": task["step"], "decision": "approve", "amount": case["benefit"]["recommended"],
                    "comment": "advance assistance after a house fire"}
        client.post(f"{APPROVAL}/v1/cases/{case_id}/decisions", json=decision, headers=APPROVER).raise_for_status()
        print(f"approved {decision['amount']}; waiting for the bank")
        case = wait_for(client, case_id, "paid")
    print(json.dumps({k: case[k] for k in ("case_id", "status", "benefit", "payments", "deadlines")},
                     ensure_ascii=False, indent=2))
    print("timeline:")
    for entry in case["timeline"]:
        print(f"  {entry['at']}  {entry['event']:<20} {entry['by']['name']:<22} {entry['summary']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
