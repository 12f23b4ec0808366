"""The floor of the HTTP benchmark: a bare FastAPI endpoint doing the same arithmetic as
`POST /v1/calculations` for the benchmark's body (Linfen: the street's limit, the yearly cap on
what was paid), with no auth, no region pack, no trace, no problem documents."""
from decimal import Decimal

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
LIMIT, CAP = Decimal("3000.00"), Decimal("5000.00")


class Paid(BaseModel):
    person: str = "0.00"


class Body(BaseModel):
    region: str
    as_of: str
    classification: dict
    household: dict
    situation: dict
    paid_this_year: Paid = Paid()


@app.post("/calc")
async def calc(body: Body) -> dict:
    remaining = max(CAP - Decimal(body.paid_this_year.person), Decimal(0))
    return {"ceiling": str(LIMIT), "recommended": str(min(LIMIT, remaining))}
