"""What a run of `dunner remind` works with and reports: its options, its plan, one line per action."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dunner.core.money import Money
from dunner.core.policy import Step
from dunner.core.schedule import Decision
from dunner.dunning.messages import Draft
from dunner.dunning.targets import Target

COLUMNS = ["client", "invoice", "step", "channel", "status", "message_id", "amount", "detail"]


@dataclass
class Action:
    """One line of what a run did."""

    client: str
    invoice: str
    step: str
    channel: str
    status: str  # sent | failed | skipped | task | planned | held
    message_id: str | None = None
    amount: Money | None = None
    detail: str = ""

    def as_row(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in COLUMNS}


@dataclass
class Plan:
    skips: list[tuple[Target, Decision]] = field(default_factory=list)
    tasks: list[tuple[Target, Decision]] = field(default_factory=list)
    drafts: list[Draft] = field(default_factory=list)
    clients: list[str] = field(default_factory=list)  # the codes of the clients planned (a batch's)


@dataclass
class Report:
    actions: Iterator[Action] = field(default_factory=lambda: iter(()))  # read once, as the run goes
    warnings: list[str] = field(default_factory=list)
    uncertain: list[str] = field(default_factory=list)
    bank: list[str] = field(default_factory=list)  # what the bank inbox brought, and how fresh the bank is
    platform: Any = None  # what the e-invoicing platform said first (einvoicing.sync.SyncReport)
    platform_problem: str = ""  # the platform could not be reached: its statuses were not read
    dry_run: bool = False
    failures: int = 0  # the actions read so far that failed

    @property
    def failed(self) -> bool:
        """Once the actions are read: a delivery failed, or a reminder is left uncertain (this run's or an
        earlier one's): exit 1."""
        return bool(self.uncertain) or self.failures > 0


@dataclass(frozen=True)
class RunOptions:
    as_of: date
    dry_run: bool = False
    client: str | None = None
    resend_uncertain: bool = False
    retry_rejected: bool = False
    # the rows left `sending` by runs no longer going (see services/uncertain.py), and with
    # --resend-uncertain the Message-ID each is sent again under: (instalment id, step) -> Message-ID
    abandoned: frozenset[int] = frozenset()
    resend: tuple[tuple[tuple[int, str], str | None], ...] = ()
    # each abandoned row's owner as this run saw it: a row another run took over meanwhile is left to it
    owners: tuple[tuple[int, str], ...] = ()

    @property
    def recovery(self) -> frozenset[str]:
        """Statuses the user asked to try again: uncertain sends, permanent refusals."""
        return frozenset(
            status
            for status, wanted in (("sending", self.resend_uncertain), ("rejected", self.retry_rejected))
            if wanted
        )


def task_text(target: Target, step: Step) -> str:
    who = target.client.contact or target.client.name
    if step.channel == "call":
        return f"call {who}" + (f" on {target.client.phone}" if target.client.phone else "")
    return f"send the {step.template or step.name} letter to {target.client.name}"


def action(target: Target, step: Step, status: str, message_id: str | None = None, detail: str = "") -> Action:
    return Action(target.client.code, target.label, step.name, step.channel, status, message_id, target.due, detail)
