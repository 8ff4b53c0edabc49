"""SIGKILL at random moments over development and production, `room resume` after each: the same run as one left alone."""

from __future__ import annotations

import pytest

from killing import run_alone, run_killed

pytestmark = pytest.mark.integration


def test_killed_and_resumed_ends_as_a_run_left_alone(tmp_path):
    (tmp_path / "alone").mkdir()
    (tmp_path / "killed").mkdir()
    alone = run_alone(tmp_path / "alone", episodes=1)
    killed = run_killed(tmp_path / "killed", episodes=1, kills=3, span=alone.seconds / 2)
    assert killed.kills >= 2
    assert killed.files == alone.files
    assert [d[:3] for d in killed.decisions] == [d[:3] for d in alone.decisions]
    assert len({d[3] for d in killed.decisions}) == len(killed.decisions)  # one entry per answer
    assert killed.memory == alone.memory  # the same records, none twice
    extra = killed.calls - alone.calls
    assert not alone.calls - killed.calls and sum(extra.values()) <= 2 * killed.kills, extra  # only calls in flight
    assert killed.leftovers == [] and killed.orphans == 0
