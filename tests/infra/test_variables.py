"""Every variable typed and described; numbers and choices validated."""

from tests.infra.module import Module


def test_every_variable_has_a_type_and_a_description(tf: Module):
    assert tf.variables
    for name, variable in tf.variables.items():
        assert variable.get("type"), f"var.{name} has no type"
        assert "any" not in str(variable["type"]), f"var.{name} is typed any"
        assert len(variable.get("description", "")) >= 20, f"var.{name} has no real description"


def test_every_number_variable_is_validated(tf: Module):
    numbers = {n for n, v in tf.variables.items() if v["type"] in ("number", "${number}")}
    assert numbers
    for name in numbers:
        validations = tf.variables[name].get("validation", [])
        assert validations, f"var.{name} is a number without a range"
        assert f"var.{name}" in validations[0]["condition"]
        assert validations[0]["error_message"]


def test_every_variable_is_used(tf: Module):
    text = "\n".join(body for file, body in tf.files.items() if file != "variables.tf")
    unused = [name for name in tf.variables if f"var.{name}" not in text]
    assert not unused, f"declared but never used: {unused}"


def test_every_output_is_described(tf: Module):
    for name, output in tf.outputs.items():
        assert output.get("description"), f"output {name} has no description"


def test_the_links_api_reserves_no_concurrency_unless_asked(tf: Module):
    """A new account's Lambda limit can be 10, and AWS keeps 10 unreserved: reserving any fails."""
    assert tf.variables["api_reserved_concurrency"].get("default") is None
    function = tf.resource("aws_lambda_function", "api")
    assert function["reserved_concurrent_executions"] == (
        "${coalesce(var.api_reserved_concurrency, -1)}"
    )
