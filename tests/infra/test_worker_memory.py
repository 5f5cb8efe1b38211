"""The worker's memory budget follows the task's memory: one variable sizes both."""

from tests.infra.module import Module, var_refs
from worker.budget import email_budget_bytes
from worker.fetching import MAX_EMAIL_BYTES


def test_the_budget_is_told_the_memory_the_task_is_given(tf: Module):
    task = tf.resource("aws_ecs_task_definition", "worker")
    assert var_refs(task["memory"]) == {"worker_memory"}
    assert var_refs(tf.locals["worker_settings"]["task_memory_mib"]) == {"worker_memory"}


def test_the_smallest_task_terraform_allows_still_reads_the_largest_email_ses_accepts(tf: Module):
    condition = tf.variables["worker_memory"]["validation"][0]["condition"]
    assert "var.worker_memory >= 512" in condition
    assert email_budget_bytes(512) >= MAX_EMAIL_BYTES
    assert email_budget_bytes(512) < 2 * MAX_EMAIL_BYTES  # one at a time: 4 x 40 MB took 1.4 GB
