"""A hostile tester's fuzzer (schemathesis) against every service's OpenAPI document on the
embedded stack: zero server errors and zero answers the document does not describe (status,
content type, headers, body), a 405 with `Allow` for methods a path lacks. Deterministic seed,
bounded examples, a caller holding every role so the fuzzer reaches past the door."""
from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest
from relief_shared.samples import SAMPLE_ORG_UNIT
from relief_shared.stack import SERVICES, Stack
from relief_shared.testing import staff_token

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,unsupported_method")
EXAMPLES = os.environ.get("RELIEF_FUZZ_EXAMPLES", "15")
EVERYONE = staff_token("clerk", "reviewer", "approver", "district", "auditor", "ops", sub="fuzzer", name="fuzzer",
                       org_unit=SAMPLE_ORG_UNIT)


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
async def test_fuzzing_finds_no_server_error_and_no_undocumented_answer(stack: Stack, service, tmp_path: Path) -> None:  # noqa: ANN001
    cli = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert cli, "schemathesis is a test dependency (shared[test])"
    proc = await asyncio.create_subprocess_exec(
        cli, "run", f"{stack.url(service.name)}/openapi.json", "--checks", CHECKS, "-n", EXAMPLES, "--seed", "20261130",
        "--generation-deterministic", "--no-color", "--workers", "1", "--request-timeout", "10",
        "-H", f"Authorization: {EVERYONE['Authorization']}",
        cwd=tmp_path, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await asyncio.wait_for(proc.communicate(), 200)
    text = output.decode(errors="replace")
    assert proc.returncode == 0, text[-6000:]
    assert " passed" in text and "failures" not in text.splitlines()[-1], text[-3000:]
