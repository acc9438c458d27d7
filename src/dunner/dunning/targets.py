"""What the dunning engine looks at: open instalments with their client, history and blocking state.

Loaded in bulk for planning (a few queries for the whole ledger) and one at a time for the re-check
that runs inside each delivery's transaction; both go through the same rules (`net_due`, `blocked`),
so the re-check can never disagree with the plan.

Planning reads only the instalments a step may concern today (`due_filter`): on a ledger chased every
day, most open instalments have every step whose day has come on record, and the scheduler would
find nothing to do for them. The filter lets through a superset of what the scheduler acts on, so the
choice itself stays in one place (schedule.py).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_CEILING
from typing import Any

from dunner.core.money import Money, minor_unit_groups
from dunner.core.policy import Policy, Rule
from dunner.core.schedule import DONE, Record
from dunner.edges.storage.ledger import Ledger, batches
from dunner.ledger.balances import ACTIVE, PAID, credit_sql
from dunner.ledger.events import event_states, pauses


@dataclass(frozen=True, slots=True)
class Party:
    """The client as a reminder needs them."""

    id: int
    code: str
    name: str
    email: str
    contact: str | None
    phone: str | None
    language: str
    kind: str
    profile: str | None
    law: str | None
    address: str | None


@dataclass(frozen=True, slots=True)
class Target:
    instalment_id: int
    invoice_id: int
    number: str
    seq: int
    issued_on: date
    due_on: date
    amount: Money
    paid: Money
    total: Money  # the invoice's total
    payment_link: str | None
    client: Party
    due: Money = field(default=None)  # type: ignore[assignment] # what remains after payments and credit
    history: dict[str, Record] = field(default_factory=dict)
    blocked: str | None = None

    @property
    def label(self) -> str:
        return self.number if self.seq == 1 else f"{self.number}/{self.seq}"


TARGETS = f"""
    SELECT {{columns}} FROM (
        SELECT i.id AS instalment_id, i.seq, i.due_on, i.amount_cents, {PAID} AS paid_cents,
               v.id AS invoice_id, v.number, v.issued_on, v.currency, v.total_cents, v.payment_link,
               c.id AS client_id, c.code, c.name, c.email, c.contact, c.phone, c.language, c.kind,
               c.profile, c.law, c.address
        FROM instalment i JOIN invoice v ON v.id = i.invoice_id JOIN client c ON c.id = v.client_id
        WHERE {ACTIVE} AND i.due_on <= :horizon {{where}}
    ) x WHERE amount_cents > paid_cents {{due}}
    {{order}}
"""
ORDER = "ORDER BY client_id, currency, due_on, issued_on, number, seq"


def targets_sql(where: str = "", due: str = "", ids_only: bool = False) -> str:
    """TARGETS for some instalments (`where`, on i, v and c) and a step filter (`due`, see `due_filter`):
    whole rows in the scheduler's order, or only their client and instalment ids, in no order."""
    columns = "client_id, instalment_id" if ids_only else "*"
    return TARGETS.format(columns=columns, where=where, due=due, order="" if ids_only else ORDER)


DONE_SQL = "(" + ", ".join(f"'{status}'" for status in sorted(DONE)) + ")"


def _rule_sql(n: int, rule: Rule, params: dict[str, Any]) -> str:
    """SQL for Rule.matches on a TARGETS row (never for a rule on grades: those are computed in Python)."""
    tests = ["TRUE"]
    if rule.currency is not None:
        tests.append(f"currency = :rule{n}_currency")
        params[f"rule{n}_currency"] = rule.currency
    if rule.kind is not None:
        tests.append(f"kind = :rule{n}_kind")
        params[f"rule{n}_kind"] = rule.kind
    if rule.min_amount is not None:
        # total >= min_amount in the currency's own minor units: the least whole number of them
        cases = []
        for digits, codes in minor_unit_groups().items():
            params[f"rule{n}_min{digits}"] = int(rule.min_amount.scaleb(digits).to_integral_value(ROUND_CEILING))
            if digits != 2:
                cases.append(f"WHEN currency IN ({', '.join(repr(c) for c in codes)}) THEN :rule{n}_min{digits}")
        tests.append(f"total_cents >= CASE {' '.join(cases)} ELSE :rule{n}_min2 END")
    return " AND ".join(tests)


def profile_sql(policy: Policy) -> tuple[str, dict[str, Any]]:
    """SQL for Policy.choose on a TARGETS row (profile, currency, kind, total_cents), rules on grades aside."""
    params: dict[str, Any] = {"default_profile": policy.default}
    chosen = ["WHEN profile IS NOT NULL AND profile <> '' THEN profile"]
    for n, rule in enumerate(policy.rules):
        chosen.append(f"WHEN {_rule_sql(n, rule, params)} THEN :rule{n}_profile")
        params[f"rule{n}_profile"] = rule.profile
    return f"CASE {' '.join(chosen)} ELSE :default_profile END", params


def due_filter(policy: Policy, as_of: date) -> tuple[str, dict[str, Any]]:
    """SQL keeping the open instalments a step of their profile may concern as of `as_of`.

    Kept: a step whose day has come and that is not on record as done (to send, retry, skip or make
    a task; or held back by the gap, the scheduler decides), and a step on record whose day has not
    come (the policy changed: steps missing before it are skipped). A client with a profile the
    policy lacks is kept, so the run reports it. Under rules on risk grades, every instalment is kept.

    One pass over the instalment's reminder rows scores each step of the profile: 1 if its day came
    and it is done, 1000 if its day has not come. Nothing is left to do when the score is the number
    of steps whose day came (a step has one row at most).
    """
    if policy.uses_grades:
        return "", {}
    profile_of, params = profile_sql(policy)
    branches = []
    for p, profile in enumerate(policy.profiles.values()):
        scores, came = [], []
        for k, step in enumerate(profile.steps):
            key = f"p{p}s{k}"
            params[f"{key}_step"] = step.name
            params[f"{key}_day"] = (as_of - timedelta(days=step.offset)).isoformat()  # due_on <= it: the day came
            scores.append(
                f"WHEN :{key}_step THEN CASE WHEN x.due_on > :{key}_day THEN 1000"
                f" WHEN r.status IN {DONE_SQL} THEN 1 ELSE 0 END"
            )
            came.append(f"CASE WHEN x.due_on <= :{key}_day THEN 1 ELSE 0 END")
        params[f"p{p}_name"] = profile.name
        score = (
            f"(SELECT COALESCE(SUM(CASE r.step {' '.join(scores)} ELSE 0 END), 0) FROM reminder r"
            " WHERE r.instalment_id = x.instalment_id)"
        )
        branches.append(f"WHEN :p{p}_name THEN {score} <> {' + '.join(came)}")
    return f"AND CASE {profile_of} {' '.join(branches)} ELSE TRUE END", params


def _target(row: Any) -> Target:
    cur = row["currency"]
    party = Party(
        row["client_id"],
        row["code"],
        row["name"],
        row["email"],
        row["contact"],
        row["phone"],
        row["language"],
        row["kind"],
        row["profile"],
        row["law"],
        row["address"],
    )
    return Target(
        row["instalment_id"],
        row["invoice_id"],
        row["number"],
        row["seq"],
        date.fromisoformat(row["issued_on"]),
        date.fromisoformat(row["due_on"]),
        Money(row["amount_cents"], cur),
        Money(row["paid_cents"], cur),
        Money(row["total_cents"], cur),
        row["payment_link"],
        party,
    )


def net_due(targets: list[Target], credit: int) -> list[Target]:
    """Apply a client's unapplied credit (one currency) to their open instalments, oldest due first."""
    out = []
    for target in targets:
        outstanding = target.amount.minor - target.paid.minor
        used = min(credit, outstanding)
        credit -= used
        out.append(replace(target, due=Money(outstanding - used, target.amount.currency)))
    return out


def blocked(target: Target, state: dict[str, Any], paused: date | None, as_of: date) -> str | None:
    """Why the instalment must not be chased today: paused, disputed, promised or covered by credit."""
    if paused is not None and paused >= as_of:
        return "client paused" + ("" if paused == date.max else f" until {paused}")
    if state.get("disputed"):
        return "disputed"
    if state.get("hold") and state["held_until"] >= as_of:
        until = state["held_until"]
        return state["hold"] + ("" if until == date.max else f" (until {until})")
    promise = state.get("promise")
    if promise is not None and promise >= as_of:
        return f"payment promised for {promise}"
    if not target.due:
        return "covered by the client's credit"
    return None


def histories(
    ledger: Ledger, instalment_ids: Iterable[int], recovery: frozenset[str], abandoned: frozenset[int] = frozenset()
) -> dict[int, dict[str, Record]]:
    """The reminder rows of the instalments; statuses the user asked to retry are shown as failed.

    A `sending` row is only retried when `abandoned` (by a run no longer going, see `dunning.uncertain`):
    another may belong to a run still delivering it.
    """
    out: dict[int, dict[str, Record]] = defaultdict(dict)
    for chunk in batches(instalment_ids):
        for row in ledger.rows(
            "SELECT id, instalment_id, step, status, acted_on FROM reminder"
            f" WHERE instalment_id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ):
            status = row["status"]
            if status in recovery and (status != "sending" or row["id"] in abandoned):
                status = "failed"
            out[row["instalment_id"]][row["step"]] = Record(status, date.fromisoformat(row["acted_on"]))
    return out


def due_instalments(ledger: Ledger, as_of: date, policy: Policy, client_id: int | None = None) -> dict[int, array[int]]:
    """Per client (all, or `client_id`), the ids of the open instalments a step of the policy may concern
    as of `as_of` (`due_filter`): eight bytes each, from one pass in the order of the due-date index, so
    that `remind` can then read its targets a batch of clients at a time (`load_targets(instalment_ids=)`)."""
    horizon = as_of - timedelta(days=policy.first_offset)
    due, params = due_filter(policy, as_of)
    params.update({"as_of": as_of.isoformat(), "horizon": horizon.isoformat(), "client_id": client_id})
    out: dict[int, array[int]] = {}
    where = "AND c.id = :client_id" if client_id is not None else ""
    for client, instalment in ledger.rows(targets_sql(where, due, ids_only=True), params):
        out.setdefault(client, array("q")).append(instalment)
    return out


def load_targets(
    ledger: Ledger,
    as_of: date,
    first_offset: int,
    *,
    policy: Policy | None = None,
    client_id: int | None = None,
    instalment_ids: list[int] | None = None,
    recovery: frozenset[str] = frozenset(),
    abandoned: frozenset[int] = frozenset(),
) -> list[Target]:
    """The open instalments some step could concern as of `as_of`, ready for the scheduler: the whole
    ledger's, one client's, or those `due_instalments` chose (`instalment_ids`, whole clients).

    Given the `policy`, only those a step of it may concern today (see `due_filter`).
    """
    horizon = as_of - timedelta(days=first_offset)
    due, due_params = due_filter(policy, as_of) if policy is not None else ("", {})
    params = {"as_of": as_of.isoformat(), "horizon": horizon.isoformat(), "client_id": client_id, **due_params}
    if instalment_ids is not None:  # chosen already: the step filter is not run again
        rows = []
        for chunk in batches(instalment_ids):
            where = f"AND i.id IN ({', '.join(f':i{n}' for n in range(len(chunk)))})"
            chosen = {**params, **{f"i{n}": instalment for n, instalment in enumerate(chunk)}}
            rows += [_target(r) for r in ledger.rows(targets_sql(where), chosen)]
        if not rows:
            return []
        rows.sort(key=_scheduled)
    else:
        where = "AND c.id = :client_id" if client_id is not None else ""
        rows = [_target(r) for r in ledger.rows(targets_sql(where, due), params)]
    clients = sorted({t.client.id for t in rows})
    credit = credits(ledger, as_of, clients)
    if due:
        rows = _whole_groups(ledger, rows, credit, params)
    history = histories(ledger, [t.instalment_id for t in rows], recovery, abandoned)
    some = clients if instalment_ids is not None else None  # else the whole ledger's, or one client's
    states = event_states(ledger, as_of, clients=some)
    paused = pauses(ledger, as_of, client_id, clients=some)
    return _finish(rows, credit, as_of, history, states, paused)


def _scheduled(t: Target) -> tuple[Any, ...]:
    """A target's place in ORDER: by client, currency, due date, issue date, number and instalment."""
    return t.client.id, t.amount.currency, t.due_on, t.issued_on, t.number, t.seq


def credits(ledger: Ledger, as_of: date, client_ids: list[int]) -> dict[tuple[int, str], int]:
    """The clients' unapplied money as of `as_of`, per (client id, currency)."""
    out = {}
    for chunk in batches(client_ids):
        params = {"as_of": as_of.isoformat(), **{f"c{n}": client for n, client in enumerate(chunk)}}
        for r in ledger.rows(credit_sql(clients=len(chunk)), params):
            out[(r["client_id"], r["currency"])] = r["credit_cents"]
    return out


def _whole_groups(
    ledger: Ledger, rows: list[Target], credit: dict[tuple[int, str], int], params: dict[str, Any]
) -> list[Target]:
    """Credit goes to a client's oldest instalments first: where some is left, every open one is needed."""
    credited = {(t.client.id, t.amount.currency) for t in rows if credit.get((t.client.id, t.amount.currency), 0) > 0}
    if not credited:
        return rows
    kept = [t for t in rows if (t.client.id, t.amount.currency) not in credited]
    sql = targets_sql("AND c.id = :client_id AND v.currency = :currency")
    for client_id, currency in credited:
        kept += [_target(r) for r in ledger.rows(sql, {**params, "client_id": client_id, "currency": currency})]
    return sorted(kept, key=_scheduled)


def _finish(
    rows: list[Target],
    credit: dict[tuple[int, str], int],
    as_of: date,
    history: dict[int, dict[str, Record]],
    states: dict[int, dict[str, Any]],
    paused: dict[int, date],
) -> list[Target]:
    groups: dict[tuple[int, str], list[Target]] = defaultdict(list)
    for row in rows:
        groups[(row.client.id, row.amount.currency)].append(row)
    out = []
    for key, group in groups.items():
        for target in net_due(group, max(credit.get(key, 0), 0)):
            target = replace(target, history=history.get(target.instalment_id, {}))
            state = states.get(target.invoice_id, {})
            out.append(replace(target, blocked=blocked(target, state, paused.get(target.client.id), as_of)))
    return out


def reload_target(
    ledger: Ledger,
    target: Target,
    as_of: date,
    recovery: frozenset[str] = frozenset(),
    abandoned: frozenset[int] = frozenset(),
) -> Target | None:
    """The instalment as it stands now (inside a delivery's transaction), or None if nothing is owed."""
    params: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "horizon": date.max.isoformat(),
        "client_id": target.client.id,
        "currency": target.amount.currency,
    }
    credit = {
        (r["client_id"], r["currency"]): r["credit_cents"]
        for r in ledger.rows(credit_sql(one_client=True), {"as_of": as_of.isoformat(), "client_id": target.client.id})
    }
    where = "AND c.id = :client_id AND v.currency = :currency"
    if credit.get((target.client.id, target.amount.currency), 0) <= 0:  # no credit to spread: the instalment alone
        where += " AND i.id = :instalment_id"
        params["instalment_id"] = target.instalment_id
    rows = [_target(r) for r in ledger.rows(targets_sql(where), params)]
    history = histories(ledger, [target.instalment_id], recovery, abandoned)
    states = event_states(ledger, as_of, target.invoice_id)
    fresh = _finish(rows, credit, as_of, history, states, pauses(ledger, as_of, target.client.id))
    return next((t for t in fresh if t.instalment_id == target.instalment_id), None)
