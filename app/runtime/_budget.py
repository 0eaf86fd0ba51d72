"""The session's spend and the limits on it: `budget.session_usd`, `budget.answer_usd`, `--max-cost`.

One `Budget` lives on the runtime, so every answer — a reply, a /compare
pane, a chain step, each round of the tool loop — is checked against it and
added to it, and `/budget` and `/usage` read the same figures.

    before sending: estimate (see `_pricing`) > limit      ─▶ BudgetError, nothing sent
    while streaming: running cost of the answer > limit    ─▶ the answer stops, what arrived is kept

The limit of one answer is the least of `answer_usd`, `max_answer_usd`
(`--max-cost` of a one-shot) and what is left of the session (`session_usd`,
or `max_total_usd`: `--max-cost` of a chain run, whose whole spend it caps).
A model without pricing cannot be checked: it is let through, and said once
(`notices`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from app.errors import BudgetError

if TYPE_CHECKING:
    from app.config import BudgetConfig, ModelConfig
    from app.types import AnswerRecord

__all__ = ["Budget", "usd"]


def usd(amount: float) -> str:
    """`$0.0123`; `<$0.0001` for less."""
    return "<$0.0001" if 0 < amount < 0.00005 else f"${amount:.4f}"


@dataclass
class Budget:
    """Limits (USD, None: none) and what this session has spent.

    Attributes:
        session_usd: the most the whole session may spend.
        answer_usd: the most one answer may cost.
        max_total_usd: `--max-cost` of a chain run: the most the run may spend.
        max_answer_usd: `--max-cost` of a one-shot answer.
        spent: USD of every priced answer so far.
        answers, unpriced: answers added, and those whose cost is unknown.
        notices: lines to show the user once each (a model whose cost cannot be checked).
    """

    session_usd: float | None = None
    answer_usd: float | None = None
    max_total_usd: float | None = None
    max_answer_usd: float | None = None
    spent: float = 0.0
    answers: int = 0
    unpriced: int = 0
    notices: list[str] = field(default_factory=list)
    _said: set[str] = field(default_factory=set, repr=False)

    @classmethod
    def of(cls, config: BudgetConfig) -> Budget:
        return cls(session_usd=config.session_usd, answer_usd=config.answer_usd)

    @property
    def limited(self) -> bool:
        return any(v is not None for v in (self.session_usd, self.answer_usd, self.max_total_usd, self.max_answer_usd))

    @property
    def total_usd(self) -> float | None:
        """The cap on the whole spend (the session's, or a chain run's `--max-cost`), if any."""
        caps = [v for v in (self.session_usd, self.max_total_usd) if v is not None]
        return min(caps) if caps else None

    @property
    def left(self) -> float | None:
        """USD left under the total cap; None when there is none."""
        cap = self.total_usd
        return None if cap is None else max(cap - self.spent, 0.0)

    def answer_limit(self) -> tuple[float, str] | None:
        """The most the next answer may cost, and that limit in words; None when nothing limits it."""
        limits = [(v, f"{name} ({usd(v)})") for v, name in ((self.answer_usd, "budget.answer_usd"),
                                                            (self.max_answer_usd, "--max-cost")) if v is not None]
        left = self.left
        if left is not None:
            name = "--max-cost" if self.max_total_usd == self.total_usd else "budget.session_usd"
            limits.append((left, f"what is left of {name} ({usd(left)})"))
        return min(limits, key=lambda limit: limit[0]) if limits else None

    def check(self, model: ModelConfig, estimated_usd: float | None) -> None:
        """Refuse a request whose estimate passes the limit.

        Raises:
            BudgetError: the request must not be sent.
        """
        limit = self.answer_limit()
        if limit is None:
            return
        if estimated_usd is None:
            self._notice(model.name)
            return
        if estimated_usd > limit[0]:
            raise BudgetError(
                f"not sent: {model.name} would cost about {usd(estimated_usd)}, over {limit[1]}",
                "Raise the limit, shorten the conversation (/clear), or pick a cheaper model.",
            )

    def passed(self, running_usd: float) -> str | None:
        """The note for an answer whose running cost passed its limit; None while within it."""
        limit = self.answer_limit()
        if limit is None or running_usd <= limit[0]:
            return None
        return f"stopped at about {usd(running_usd)}: the answer passed {limit[1]}"

    def add(self, record: AnswerRecord) -> None:
        """Count an answer's cost (whatever became of it)."""
        self.answers += 1
        if record.cost is None:
            self.unpriced += 1
        else:
            self.spent += record.cost

    def _notice(self, model_name: str) -> None:
        if model_name not in self._said:
            self._said.add(model_name)
            self.notices.append(f"{model_name} has no pricing in models.yaml: its cost is not checked against the budget.")

    def take_notices(self) -> list[str]:
        """The notices not shown yet (each is given once)."""
        taken, self.notices = self.notices, []
        return taken
