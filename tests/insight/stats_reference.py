"""The figures of `dunner stats` as the one SQL statement of stop 22 computed them (before issue 15 item 1):
the reference the streamed computation of insight/stats.py is compared with, row for row
(tests/insight/test_stats_reference.py). Kept here, not in dunner, so it is only what it was."""

from datetime import date, timedelta
from typing import Any

from dunner.insight.stats import Settings, _stats_row, grading
from dunner.ledger.balances import credit_sql

SQL = """
WITH run AS (
    SELECT a.instalment_id, a.applied_on, a.amount_cents,
           p.method IN ('credit_note', 'discount') AS system,
           SUM(a.amount_cents) OVER (PARTITION BY a.instalment_id ORDER BY a.applied_on, a.id) AS running,
           MAX(CASE WHEN p.method NOT IN ('credit_note', 'discount') THEN a.applied_on END)
               OVER (PARTITION BY a.instalment_id ORDER BY a.applied_on, a.id) AS last_money
    FROM allocation a JOIN payment p ON p.id = a.payment_id
    WHERE a.applied_on <= :as_of {alloc_filter}
),
settle AS MATERIALIZED (
    SELECT r.instalment_id, SUM(r.amount_cents) AS paid_cents,
           SUM(CASE WHEN r.system THEN 0 ELSE r.amount_cents END) AS money_cents,
           -- settled on the day of the last cent; a credit note finishing it later dates it by the last money
           MIN(CASE WHEN r.running >= i.amount_cents THEN
               CASE WHEN r.system THEN COALESCE(r.last_money, r.applied_on) ELSE r.applied_on END END) AS settled_on
    FROM run r JOIN instalment i ON i.id = r.instalment_id
    GROUP BY r.instalment_id
),
part AS MATERIALIZED (
    SELECT v.id AS invoice_id, v.client_id, v.currency, v.issued_on, i.id AS instalment_id, i.due_on,
           CASE WHEN v.status <> 'issued' AND v.status_on <= :as_of THEN v.status ELSE 'issued' END AS state,
           COALESCE(i.amount_cents, 0) AS amount_cents, COALESCE(s.paid_cents, 0) AS paid_cents,
           COALESCE(s.money_cents, 0) AS money_cents, s.settled_on
    FROM invoice v LEFT JOIN instalment i ON i.invoice_id = v.id LEFT JOIN settle s ON s.instalment_id = i.id
    WHERE v.kind IN ('invoice', 'deposit') AND v.issued_on <= :as_of {invoice_filter}
),
inv AS (
    SELECT invoice_id, client_id, currency, issued_on, state,
           SUM(amount_cents) AS asked_cents, SUM(paid_cents) AS paid_cents,
           SUM(CASE WHEN due_on < :as_of THEN amount_cents - paid_cents ELSE 0 END) AS overdue_cents,
           MIN(CASE WHEN due_on < :as_of AND amount_cents > paid_cents THEN due_on END) AS oldest_due
    FROM part GROUP BY invoice_id, client_id, currency, issued_on, state
),
paid AS (
    -- what fell due and was paid: an invoice, or each instalment of a plan, settled with some money
    SELECT client_id, currency, settled_on, money_cents,
           MAX(CAST(julianday(settled_on) - julianday(due_on) AS INTEGER), 0) AS late,
           CAST(julianday(settled_on) - julianday(issued_on) AS INTEGER) AS to_pay,
           ROW_NUMBER() OVER (PARTITION BY client_id, currency ORDER BY settled_on DESC, instalment_id DESC) AS rn
    FROM part WHERE state = 'issued' AND settled_on IS NOT NULL AND money_cents > 0
),
promised AS (
    SELECT v.client_id, v.currency, e.promise_on,
           (SELECT COUNT(*) FROM instalment i LEFT JOIN settle s ON s.instalment_id = i.id
            WHERE i.invoice_id = e.invoice_id AND (i.due_on <= e.promise_on OR i.seq = 1)
              AND (s.settled_on IS NULL OR s.settled_on > e.promise_on)) AS open_parts
    FROM event e JOIN invoice v ON v.id = e.invoice_id
    WHERE e.kind = 'promise' AND e.happened_on <= :as_of AND e.promise_on IS NOT NULL {invoice_filter}
      -- a promise renegotiated before its day is superseded by the new one
      AND NOT EXISTS (SELECT 1 FROM event x WHERE x.invoice_id = e.invoice_id AND x.kind = 'promise'
                      AND x.id > e.id AND x.happened_on <= :as_of AND x.happened_on <= e.promise_on)
)
SELECT c.id AS client_id, c.code, c.credit_limit_cents, c.currency AS client_currency, x.*,
       COALESCE(cr.credit_cents, 0) AS credit,
       p.paid, p.paid_late, p.sum_late, p.max_late, p.weighted_late, p.money, p.sum_to_pay,
       p.now_weighted, p.now_money, p.before_weighted, p.before_money, p.recent,
       COALESCE(q.kept, 0) AS kept, COALESCE(q.broken, 0) AS broken,
       (SELECT COUNT(DISTINCT e.invoice_id) FROM event e JOIN invoice v ON v.id = e.invoice_id
        WHERE e.kind = 'dispute' AND e.happened_on <= :as_of AND v.client_id = x.client_id
          AND v.currency = x.currency) AS disputes,
       (SELECT COALESCE(SUM(n.total_cents), 0) FROM invoice n JOIN invoice o ON o.id = n.related_invoice_id
        WHERE n.kind = 'credit_note' AND n.client_id = x.client_id AND n.currency = x.currency
          AND o.issued_on > :window_start AND n.issued_on <= :as_of) AS credited_window
FROM (
    SELECT client_id, currency, COUNT(*) AS invoices,
           SUM(CASE WHEN state = 'issued' THEN asked_cents - paid_cents ELSE 0 END) AS outstanding,
           SUM(CASE WHEN state = 'issued' THEN overdue_cents ELSE 0 END) AS overdue,
           MIN(CASE WHEN state = 'issued' THEN oldest_due END) AS oldest_due,
           SUM(CASE WHEN state = 'written_off' THEN 1 ELSE 0 END) AS written_off,
           SUM(CASE WHEN issued_on > :window_start THEN asked_cents ELSE 0 END) AS sales_window
    FROM inv WHERE state <> 'void' GROUP BY client_id, currency
) x
JOIN client c ON c.id = x.client_id
LEFT JOIN ({credit}) cr ON cr.client_id = x.client_id AND cr.currency = x.currency
LEFT JOIN (
    SELECT client_id, currency, COUNT(*) AS paid, SUM(CASE WHEN late > 0 THEN 1 ELSE 0 END) AS paid_late,
           SUM(late) AS sum_late,
           MAX(late) AS max_late, SUM(late * money_cents) AS weighted_late, SUM(money_cents) AS money,
           SUM(to_pay) AS sum_to_pay,
           SUM(CASE WHEN settled_on > :window_start THEN late * money_cents ELSE 0 END) AS now_weighted,
           SUM(CASE WHEN settled_on > :window_start THEN money_cents ELSE 0 END) AS now_money,
           SUM(CASE WHEN settled_on > :before_start AND settled_on <= :window_start
               THEN late * money_cents ELSE 0 END) AS before_weighted,
           SUM(CASE WHEN settled_on > :before_start AND settled_on <= :window_start
               THEN money_cents ELSE 0 END) AS before_money,
           group_concat(CASE WHEN rn <= :lookback THEN rn || ':' || late END) AS recent
    FROM paid GROUP BY client_id, currency
) p ON p.client_id = x.client_id AND p.currency = x.currency
LEFT JOIN (
    SELECT client_id, currency,
           SUM(CASE WHEN open_parts = 0 THEN 1 ELSE 0 END) AS kept,
           SUM(CASE WHEN open_parts > 0 AND promise_on < :as_of THEN 1 ELSE 0 END) AS broken
    FROM promised WHERE open_parts = 0 OR promise_on < :as_of GROUP BY client_id, currency
) q ON q.client_id = x.client_id AND q.currency = x.currency
ORDER BY lower(c.code), x.currency
"""


def reference_stats(ledger: Any, config: Any, as_of: date, *, client_id: int | None = None, window: int | None = None,
                    language: str = "en") -> list[dict[str, Any]]:  # fmt: skip
    settings = Settings.from_config(config, window)
    rules = grading(config)
    filters = {"alloc_filter": "", "invoice_filter": "", "credit": credit_sql(client_id is not None)}
    if client_id is not None:
        filters |= {
            "alloc_filter": "AND a.instalment_id IN (SELECT i.id FROM instalment i JOIN invoice w"
            " ON w.id = i.invoice_id WHERE w.client_id = :client_id)",
            "invoice_filter": "AND v.client_id = :client_id",
        }
    params = {
        "as_of": as_of.isoformat(),
        "window_start": (as_of - timedelta(days=settings.window)).isoformat(),
        "before_start": (as_of - timedelta(days=2 * settings.window)).isoformat(),
        "lookback": rules.lookback,
        "client_id": client_id,
    }
    rows = []
    for row in ledger.rows(SQL.format(**filters), params):
        values = dict(row)
        values["recent"] = sorted(
            tuple(int(n) for n in item.split(":")) for item in (row["recent"] or "").split(",") if item
        )
        rows.append(_stats_row(values, as_of, settings, rules, language))
    return rows
