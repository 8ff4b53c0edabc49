"""What model calls cost, and a run's budget.

Prices are US dollars per million tokens, input and output, per
`provider:model` (or `provider:*`): the bundled defaults (`prices.yaml`), then
room.toml's `[prices]`, which wins. A model on this machine costs nothing. A
budget is money (`2.50`, `$2.50`, `2.50usd`) or tokens (`200000tok`,
`200k tokens`); `Budget.allows` says whether a call may start, given what the
run has spent and the most the call can cost (its prompt and every token it
may write), so a run stops *before* the call that would pass it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from tools.errors import ConfigError, RoomError

MILLION = 1_000_000
_BUDGET = re.compile(r"^\s*(\$)?\s*([0-9]+(?:\.[0-9]+)?)\s*(k|m)?\s*(usd|\$|tok|toks|tokens?)?\s*$", re.I)


class BudgetExceededError(RoomError):
    """The next model call could pass the run's budget: the run stops before it, resumable with a higher one."""


@dataclass(frozen=True)
class Price:
    input: float  # dollars per million input tokens
    output: float  # dollars per million output tokens

    def of(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / MILLION


FREE = Price(0.0, 0.0)


def _table(data: object, where: str) -> dict[str, Price]:
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where}: prices must be a table of 'provider:model' = {{ input = …, output = … }}")
    table = {}
    for name, price in data.items():
        try:
            table[str(name)] = Price(float(price["input"]), float(price["output"]))
            if min(table[str(name)].input, table[str(name)].output) < 0:
                raise ValueError
        except (TypeError, KeyError, ValueError):
            raise ConfigError(
                f"{where}: the price of '{name}' must be {{ input = dollars, output = dollars }} per million tokens"
            ) from None
    return table


@functools.cache
def bundled_prices() -> dict[str, Price]:
    """The bundled table, read once a process (`price_table` copies it, so it is never changed)."""
    return _table(yaml.safe_load((Path(__file__).with_name("prices.yaml")).read_text(encoding="utf-8")), "prices.yaml")


def price_table(overrides: Mapping[str, object] | None = None) -> dict[str, Price]:
    """The bundled prices with room.toml's `[prices]` over them."""
    return {**bundled_prices(), **_table(overrides or {}, "room.toml [prices]")}


def price_of(table: Mapping[str, Price], spec: str, *, local: bool = False) -> Price | None:
    """What `provider:model` costs: its own price, else its provider's, else free on this machine, else None."""
    provider = spec.partition(":")[0]
    return table.get(spec) or table.get(f"{provider}:*") or (FREE if local else None)


@dataclass(frozen=True)
class Budget:
    amount: float
    unit: Literal["usd", "tokens"]

    @classmethod
    def parse(cls, text: str | float | int) -> Budget:
        """`2.50`, `$2.50`, `2.5usd` (dollars); `200000tok`, `200k tokens`, `1.5m tok` (tokens)."""
        match = _BUDGET.match(str(text))
        if not match or float(match.group(2)) <= 0:
            raise ConfigError(f"budget '{text}' is not an amount: say 2.50 (dollars) or 200000tok (tokens)")
        dollar, number, scale, unit = match.groups()
        amount = float(number) * {"k": 1e3, "m": 1e6}.get((scale or "").lower(), 1)
        tokens = (unit or "").lower().startswith("tok")
        if tokens and dollar:
            raise ConfigError(f"budget '{text}' is both dollars and tokens")
        return cls(amount, "tokens" if tokens else "usd")

    def shown(self, value: float | None = None) -> str:
        value = self.amount if value is None else value
        return f"{int(value):,} tokens" if self.unit == "tokens" else f"${value:.2f}"

    def spent(self, cost: float, tokens: int) -> float:
        """What counts against the budget: dollars or tokens."""
        return tokens if self.unit == "tokens" else cost

    def as_json(self) -> dict:
        return {"amount": self.amount, "unit": self.unit}
