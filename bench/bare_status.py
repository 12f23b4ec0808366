"""The floor of the status-lookup benchmark: a bare FastAPI endpoint answering the same three
fields from a dict in memory — no auth, no database, no log, no problem documents."""
from fastapi import FastAPI

app = FastAPI()
REGISTER: dict[str, dict[str, str | None]] = {}


@app.get("/status/{id_number}")
async def status(id_number: str, purpose: str) -> dict:
    found = REGISTER.get(id_number)
    return {"status": found["status"] if found else "none", "since": found["since"] if found else None,
            "region": "wenzhou-dongtou"}
