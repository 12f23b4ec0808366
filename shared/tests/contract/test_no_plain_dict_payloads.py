"""No module outside the registry builds or reads an event payload as a plain dict (a lint
rule as a test): payloads are built from the registry's models and read by attribute."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def production_modules() -> list[Path]:
    shared = [p for p in (ROOT / "shared" / "relief_shared").rglob("*.py") if "contract" not in p.parts]
    services = [p for p in (ROOT / "services").glob("*/*/**/*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    return sorted(shared + services)


def offences(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_data(node.value):
            found.append(f"line {node.lineno}: reads a payload as a dict (`….data[...]`)")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
                and _is_data(node.func.value)):
            found.append(f"line {node.lineno}: reads a payload as a dict (`….data.get(...)`)")
        if isinstance(node, ast.Call) and _builds_envelope(node.func):
            args = [*node.args[:1], *(k.value for k in node.keywords if k.arg == "data")]
            if any(isinstance(a, ast.Dict) or (isinstance(a, ast.Call) and getattr(a.func, "id", "") == "dict")
                   for a in args):
                found.append(f"line {node.lineno}: builds an envelope from a dict")
    return found


def _is_data(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "data"


def _builds_envelope(func: ast.AST) -> bool:
    if isinstance(func, ast.Name):
        return func.id == "Envelope"
    return isinstance(func, ast.Attribute) and (func.attr in ("new", "envelope") or
                                                getattr(func.value, "id", "") == "Envelope")


def test_no_production_module_handles_payloads_as_dicts() -> None:
    modules = production_modules()
    assert len(modules) > 40  # the scan sees the services, not an empty folder
    found = {str(p.relative_to(ROOT)): o for p in modules if (o := offences(ast.parse(p.read_text("utf-8"))))}
    assert found == {}


def test_the_rule_catches_what_it_forbids() -> None:
    source = ('event.data["ceiling"]\nevent.data.get("amount")\n'
              'Envelope.new({"a": 1}, case_id="c")\nEnvelope(id="x", data=dict(a=1))\n')
    assert len(offences(ast.parse(source))) == 4
