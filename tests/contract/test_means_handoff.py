"""The household hand-over from eligibility to means-check, on the producer's own payloads:
only a case that needs the departments' data sends its members' ID numbers, and means-check
starts the verification from exactly what eligibility sent (no department is called here:
the worker does that, outside every transaction)."""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import get_args

import pytest
from eligibility import service as eligibility
from eligibility.means_request import needs_department_data
from eligibility.schemas import CaseIn
from means_check import service as means_check
from means_check.policy import scope_for
from relief_shared.contract import consumers as declared
from relief_shared.contract.case import AppliesFor, CaseType, HouseholdStatus
from relief_shared.samples import SAMPLE_ID_NUMBER, SAMPLE_SPOUSE_ID_NUMBER, fire_case, hospital_case
from relief_shared.settings import DEV_KIN_SECRET

from .test_chain import BACKENDS, CALENDAR, CLERK, PACKS, _with, databases

SPOUSE = SAMPLE_SPOUSE_ID_NUMBER


@pytest.mark.parametrize(("region", "case_type", "status", "applies_for"),
                         list(itertools.product(PACKS.codes(), get_args(CaseType), get_args(HouseholdStatus),
                                                get_args(AppliesFor))))
def test_eligibility_sends_the_household_exactly_when_means_check_would_query(region: str, case_type: str,
                                                                             status: str, applies_for: str) -> None:
    pack = PACKS.get(region)
    assert needs_department_data(pack, case_type, status, applies_for) == (
        scope_for(pack, case_type, status, applies_for).scope == "full")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_household_reaches_means_check_and_starts_its_verification(tmp_path: Path, backend: str) -> None:
    async with databases(tmp_path, backend) as s:
        elig, means = s["eligibility"], s["means_check"]
        for body in (hospital_case(consent=True), fire_case(), hospital_case(consent=False)):
            await eligibility.submit_case(eligibility.SubmitCase(CaseIn.model_validate(body), CLERK), elig.db.uow(),
                                          PACKS)
        received = await elig.published()
        await elig.consume(declared.ELIGIBILITY_INTAKE, _with(eligibility.classify_received, packs=PACKS, kin_secret=DEV_KIN_SECRET), received,
                           batch=True)
        out = await elig.published()
        handed = [e for e in out if e.type == "case.verification_needed"]
        assert [e.case_id for e in handed] == [received[0].case_id, received[2].case_id]  # not the emergency
        consented, refused = handed
        assert [m.id_number for m in consented.data.members] == [SAMPLE_ID_NUMBER, SPOUSE]
        assert consented.data.requested_by.id == CLERK.sub and refused.data.members == []

        household = _with(means_check.on_verification_needed, packs=PACKS, calendar=CALENDAR)
        await means.consume(declared.MEANS_CHECK_HOUSEHOLD, household, handed)
        async with means.db.reading() as uow:
            [started] = await uow.verifications.of_case(consented.case_id, region="fuxin-haizhou")
            [waiting] = await uow.verifications.of_case(refused.case_id, region="fuxin-haizhou")
            requests = await uow.requests.of(started["id"])
            assert await uow.requests.of(waiting["id"]) == []
        assert (started["status"], waiting["status"]) == ("verifying", "consent_missing")
        assert len(requests) == 11 * 2 and {r["status"] for r in requests} == {"pending"}
