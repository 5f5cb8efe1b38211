"""The byte budget: what a task's memory allows, and threads taking and giving back bytes."""

import threading

import pytest

from worker.budget import MIB, BudgetClosed, ByteBudget, email_budget_bytes


def test_the_default_task_reads_one_40_mb_email_at_a_time():
    budget = email_budget_bytes(512)
    assert 40 * MIB <= budget < 2 * 40 * MIB


def test_a_1024_mib_task_reads_two_40_mb_emails_at_once():
    assert email_budget_bytes(1024) >= 2 * 40 * MIB


def test_bytes_taken_are_not_free_until_given_back():
    budget = ByteBudget(100)
    assert budget.try_take(60)
    assert not budget.try_take(60)
    budget.give_back(60)
    assert budget.try_take(60)


def test_a_waiting_thread_gets_its_bytes_once_they_are_given_back():
    budget = ByteBudget(100)
    budget.take(80)
    got = threading.Event()

    def wait() -> None:
        budget.take(50)
        got.set()

    waiter = threading.Thread(target=wait)
    waiter.start()
    assert not got.wait(0.2)  # still waiting: 20 bytes free
    budget.give_back(80)
    waiter.join(10)
    assert got.is_set()
    assert budget.free == 50


def test_closing_wakes_a_waiting_thread_with_budget_closed():
    budget = ByteBudget(100)
    budget.take(100)
    raised: list[BaseException] = []

    def wait() -> None:
        try:
            budget.take(1)
        except BudgetClosed as exc:
            raised.append(exc)

    waiter = threading.Thread(target=wait)
    waiter.start()
    budget.close()
    waiter.join(10)
    assert len(raised) == 1


def test_more_than_the_whole_budget_is_refused_at_once():
    budget = ByteBudget(100)
    assert not budget.fits(101)
    with pytest.raises(ValueError, match="can never fit"):
        budget.take(101)
