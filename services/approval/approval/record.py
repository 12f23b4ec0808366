"""The approval record (审批记录) for the paper archive: FX-RECORD (Fuxin 四: every approval
records the subject's basic facts, the reason, the amount, the handler's and reviewer's /
approver's signatures and the unit's seal) and FX-LEDGER (Fuxin 四: a ledger and archive of
every case).

`build` is pure: it takes the case's approval, the facts the chain delivered and the unit's
name, and gives the record as JSON (part of `GET /v1/approvals/{case_id}`); `render_html` turns
that JSON into one print-ready A4 page (`@page { size: A4 }`), so what is printed is exactly
what the JSON says. Every text is escaped; nothing is fetched from elsewhere.
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

from approval.domain import Approval
from approval.facts import CaseFacts
from relief_shared.calendar import SHANGHAI

RULES = ("FX-RECORD", "FX-LEDGER")

# The duty a step's actor signs for (DT-SOD: handler, reviewer and approver are three people).
DUTIES = {"review": "reviewer", "approve": "approver", "district_consent": "district", "investigation": "handler",
          "verification": "handler", "appraisal": "handler", "deliberation": "handler", "public_notice": "handler",
          "paperwork": "handler"}
DUTY_LABELS = {"handler": "经办人 handler", "reviewer": "审核人 reviewer", "approver": "审批人 approver",
               "district": "区民政局 district bureau", "system": "系统 system"}
STEP_LABELS = {"verification": "家庭经济状况核对 verification", "investigation": "入户调查 investigation",
               "appraisal": "民主评议 democratic appraisal", "deliberation": "一事一议 deliberation",
               "public_notice": "公示 public notice", "review": "审核 review", "approve": "审批 approval",
               "district_consent": "区民政局同意 district consent", "paperwork": "补办手续 paperwork"}
STATUS_LABELS = {"approved": "同意 approved", "rejected": "不同意 rejected", "returned": "退回 returned",
                 "open": "办理中 open", "pending": "办理中 pending", "planned": "待办 planned",
                 "not_required": "无需 not required", "skipped": "跳过 skipped"}


def build(approval: Approval, facts: CaseFacts | None, *, unit_name: str, view: dict[str, Any]) -> dict[str, Any]:
    """The record of one case as it stands: the subject, the reason, the amount, every actor and
    every decision in the order taken (returned rounds too), the unit, and from the approval view
    (`view`) the case's deadlines, objections, deliberations and returns."""
    subject = (facts.subject if facts else None) or {"name": approval.payee.name,
                                                       "id_number": approval.payee.id_number}
    decisions = [{"step": t.step, "round": t.round, "role": t.role, "duty": _duty(approval, t.step, t.role),
                  "status": t.status, "actor": None if t.actor is None else {"id": t.actor.id, "name": t.actor.name},
                  "amount": None if t.amount is None else str(t.amount), "comment": t.comment,
                  "report": t.report, "superseded": t.superseded_by is not None,
                  "opened_at": _local(t.opened_at), "decided_at": _local(t.decided_at), "org_unit": t.org_unit}
                 for t in sorted(approval.tasks, key=lambda t: (t.decided_at or t.opened_at, t.opened_at, t.round))
                 if t.status != "open"]
    actors = [{"duty": "handler", "step": "intake", "id": approval.accepted_by.id, "name": approval.accepted_by.name}]
    for d in decisions:
        if d["actor"] is not None and not any(a["id"] == d["actor"]["id"] and a["step"] == d["step"] for a in actors):
            duty = "system" if d["actor"]["id"].startswith("system:") else d["duty"]
            actors.append({"duty": duty, "step": d["step"], **d["actor"]})
    return {
        "rules": list(RULES),
        "title": "社会救助审批记录 Approval record",
        "case_id": approval.case_id, "region": approval.region,
        "unit": {"code": approval.org_unit, "name": unit_name},
        "type": approval.type, "status": approval.status,
        "subject": subject,
        "reason": (facts.reason if facts else None),
        "amount": None if approval.amount is None else str(approval.amount),
        "amount_ceiling": str(approval.ceiling),
        "route": {"rules": list(approval.route.rules), "skipped": list(approval.route.skipped),
                  "sources": list(approval.route.sources), "pack_version": approval.route.pack_version},
        "actors": actors,
        "decisions": decisions,
        "open_steps": [t.step for t in approval.tasks if t.status == "open"],
        "objections": view.get("objections", []),
        "deliberations": [{k: v for k, v in m.items() if k != "minutes_file"} for m in view.get("deliberations", [])],
        "deadlines": [{k: d.get(k) for k in ("name", "rule", "clause", "due", "state", "met", "late_by")}
                      for d in view.get("deadlines", [])],
        "seal": f"{unit_name}（盖章 seal）",
    }


def _duty(approval: Approval, step: str, role: str) -> str:
    plan = approval.route.step(step)
    name = getattr(plan, "duty_name", None) if plan is not None else None
    return name or DUTIES.get(step, role)


def render_html(record: dict[str, Any], *, generated_at: datetime) -> str:
    """One A4 page (or more, for a long history) for the paper archive, stamped with when it was printed."""
    s = record.get("subject") or {}
    hh = s.get("household") or {}
    situation = s.get("situation") or {}
    cls = s.get("classification") or {}
    reason = record.get("reason") or {}
    rows = [("姓名 name", s.get("name")), ("公民身份号码 ID number", s.get("id_number")),
            ("申请事项 applies for", s.get("applies_for")), ("受理日期 accepted on", s.get("accepted_on")),
            ("家庭类别 household", hh.get("status")), ("家庭人口 members", hh.get("size")),
            ("月人均收入 income per capita", hh.get("monthly_income_per_capita")),
            ("本地户籍 registered here", _yes_no(hh.get("registered_in_region")))]
    events = ", ".join(f"{e['kind']} ({e['occurred_on']})" for e in situation.get("events", []))
    expenses = ", ".join(f"{e['category']} {e['amount']}" for e in situation.get("expenses", []))
    reasons = [*cls.get("reasons", []), *cls.get("flags", [])]
    trace = reason.get("trace", [])
    signatures = _signatures(record)
    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{_e(record['title'])} {_e(record['case_id'])}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_e(record['title'])}</h1>",
        f'<p class="meta">单位 unit: <b>{_e(record["unit"]["name"])}</b> ({_e(record["unit"]["code"])}) · '
        f'案件 case: {_e(record["case_id"])} · 类型 type: {_e(record["type"])} · '
        f'状态 status: {_e(_label(STATUS_LABELS, record["status"]))}</p>',
        "<h2>救助对象基本情况 Subject</h2>", _table(rows),
        "<h2>救助事由 Reason</h2>",
        f"<p>事件 events: {_e(events or '—')}</p>" + (f"<p>支出 expenses: {_e(expenses)}</p>" if expenses else ""),
        _list(reasons),
    ]
    if reason:
        parts.append(f"<p>金额依据 amount basis: {_e(reason.get('decision') or ', '.join(reason.get('rules', [])))}</p>")
        parts.append(_grid(["规则 rule", "依据 source", "结果 result", "说明 note"],
                           [[t["rule"], t["source"], t["result"], t["note"]] for t in trace]))
    parts += [
        "<h2>救助金额 Amount</h2>",
        f'<p class="amount">核定金额 decided: <b>{_e(record["amount"] or "—")}</b> 元 · '
        f'上限 ceiling: {_e(record["amount_ceiling"])} 元</p>',
        "<h2>办理过程 Steps and decisions</h2>",
        _grid(["环节 step", "职责 duty", "办理人 actor", "结果 decision", "金额 amount", "时间 at", "意见 comment"],
              [[_label(STEP_LABELS, d["step"]) + (f" (第{d['round']}轮 round {d['round']})" if d["round"] > 1 else ""),
                _label(DUTY_LABELS, d["duty"]),
                d["actor"]["name"] + f" ({d['actor']['id']})" if d["actor"] else "—",
                _label(STATUS_LABELS, d["status"]), d["amount"] or "", d["decided_at"] or d["opened_at"], d["comment"]]
               for d in record["decisions"]]),
    ]
    if record["deliberations"]:
        parts += ["<h2>一事一议 Deliberation</h2>",
                  _grid(["日期 held on", "参加人数 participants", "监督 observer", "决定金额 decided", "纪要 minutes"],
                        [[m.get("held_on"), len(m.get("participants", [])), (m.get("observer") or {}).get("name"),
                          m.get("decided_amount"), m.get("minutes")] for m in record["deliberations"]])]
    if record["objections"]:
        parts += ["<h2>公示异议 Objections</h2>",
                  _grid(["收到 received", "理由 reason", "状态 status", "处理 resolution"],
                        [[o.get("received_on"), o.get("reason"), o.get("status"),
                          (o.get("resolution") or {}).get("reason") if isinstance(o.get("resolution"), dict)
                          else o.get("resolution_reason")] for o in record["objections"]])]
    if record["deadlines"]:
        parts += ["<h2>时限 Deadlines</h2>",
                  _grid(["时限 limit", "规则 rule", "到期 due", "状态 state"],
                        [[d["name"], d["rule"], d["due"], d["state"]] for d in record["deadlines"]])]
    parts += [
        "<h2>签字 Signatures</h2>",
        _grid(["职责 duty", "姓名 name", "签字 signature", "日期 date"],
              [[_label(DUTY_LABELS, duty), name, "", at or ""] for duty, name, at in signatures]),
        f'<div class="seal">{_e(record["seal"])}</div>',
        f'<p class="foot">依据 rules: {_e(", ".join(record["rules"] + record["route"]["rules"]))} · '
        f'政策包 pack {_e(record["route"]["pack_version"])} · 生成 generated {_e(_local(generated_at))}</p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def _signatures(record: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """One line for each person who acted, with their duty, in the order they acted."""
    lines: list[tuple[str, str, str | None]] = []
    for a in record["actors"]:
        at = next((d["decided_at"] for d in record["decisions"]
                   if d["actor"] and d["actor"]["id"] == a["id"] and d["step"] == a["step"]), None)
        if a["duty"] != "system":  # a service completing a step signs nothing
            lines.append((a["duty"], a["name"], at))
    return lines


_CSS = """
@page { size: A4; margin: 18mm 15mm; }
body { font-family: "Noto Serif CJK SC", "SimSun", serif; font-size: 10.5pt; color: #000; }
h1 { text-align: center; font-size: 16pt; margin: 0 0 6pt; }
h2 { font-size: 11.5pt; border-bottom: 1px solid #000; margin: 10pt 0 4pt; page-break-after: avoid; }
table { width: 100%; border-collapse: collapse; page-break-inside: auto; }
td, th { border: 1px solid #000; padding: 2pt 4pt; vertical-align: top; text-align: left; }
tr { page-break-inside: avoid; }
.meta, .foot { font-size: 9pt; }
.amount b { font-size: 13pt; }
.seal { margin-top: 14pt; text-align: right; padding-right: 20mm; }
@media screen { body { width: 180mm; margin: 10mm auto; } }
""".strip()


def _table(rows: list[tuple[str, Any]]) -> str:
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows) + "</table>"


def _grid(head: list[str], rows: list[list[Any]]) -> str:
    return ("<table><tr>" + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows) + "</table>")


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""


def _label(labels: dict[str, str], key: str) -> str:
    return labels.get(key, key)


def _yes_no(value: Any) -> str:
    return "—" if value is None else ("是 yes" if value else "否 no")


def _e(value: Any) -> str:
    return "—" if value is None else escape(str(value))


def _local(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(SHANGHAI).isoformat()
