"""What AWS does for the deployment, as calls IAM decides on: the requests no process of ours makes
and moto neither makes nor enforces. Built from terraform's state and the journey's recorded calls:

- CloudFront reads each page the worker published (OAC, as the distribution);
- each alarm that notifies the alarm topic publishes to it (encrypted with our key);
- CloudWatch Logs encrypts each log group's events with our key;
- ECS's execution role logs in to ECR, pulls the worker image and ships the worker's log lines;
- Lambda's runtime, with the links API's role, writes its log lines and decrypts its environment;
- API Gateway invokes the links API function for each route.

What each needs is ``iam_sim.REQUIREMENTS``; which context keys reach KMS is
``iam_sim.SOURCE_CONTEXT_REACHES_KMS``.
"""

import re
from collections.abc import Iterable

from tests.deploy.aws_calls import Call
from tests.deploy.conftest import REGION, Deployment
from tests.deploy.iam_sim import ACCOUNT

CLOUDFRONT = "service:cloudfront.amazonaws.com"
CLOUDWATCH = "service:cloudwatch.amazonaws.com"
LOGS = f"service:logs.{REGION}.amazonaws.com"
API_GATEWAY = "service:apigateway.amazonaws.com"

#: a sample value for each path parameter of the links API's routes
PATH_VALUES = {
    "slug": "abcdefg-0123456789abcdef",
    "token": "0123456789abcdef0123456789abcdef",
    "gallery": "abcdefg-0123456789abcdef0123456789abcdef",
}


def _source(arn: str) -> dict[str, str]:
    return {"aws:SourceArn": arn, "aws:SourceAccount": ACCOUNT}


def cloudfront_reads_pages(deployment: Deployment, recorded: Iterable[Call]) -> list[Call]:
    site = deployment.terraform.output("site_bucket")
    distribution = deployment.terraform.attribute("aws_cloudfront_distribution.site", "arn")
    return [
        Call(
            CLOUDFRONT, "s3", "GetObject", REGION, dict(call.params), context=_source(distribution)
        )
        for call in recorded
        if (call.principal, call.service, call.operation) == ("worker", "s3", "PutObject")
        and call.params.get("Bucket") == site
    ]


def alarms_publish(deployment: Deployment) -> list[Call]:
    topic = deployment.terraform.attribute("aws_sns_topic.alarms", "arn")
    return [
        Call(CLOUDWATCH, "sns", "Publish", REGION, {"TopicArn": topic}, context=_source(v["arn"]))
        for address, v in sorted(deployment.terraform.resources().items())
        if address.startswith("aws_cloudwatch_metric_alarm.")
        and topic in (v.get("alarm_actions") or [])
    ]


def logs_use_the_key(deployment: Deployment) -> list[Call]:
    return [
        Call(LOGS, "logs", "EncryptLogGroup", REGION, {"LogGroupName": v["name"]})
        for address, v in sorted(deployment.terraform.resources().items())
        if address.startswith("aws_cloudwatch_log_group.")
    ]


def ecs_starts_the_worker(deployment: Deployment) -> list[Call]:
    tf = deployment.terraform
    repository = {"repositoryName": tf.attribute("aws_ecr_repository.worker", "name")}
    group = tf.output("worker_log_group")
    return [
        Call("worker_execution", "ecr", "GetAuthorizationToken", REGION, {}),
        *(
            Call("worker_execution", "ecr", operation, REGION, repository)
            for operation in (
                "BatchCheckLayerAvailability",
                "GetDownloadUrlForLayer",
                "BatchGetImage",
            )
        ),
        Call(
            "worker_execution",
            "logs",
            "PutLogEvents",
            REGION,
            {"LogGroupName": group, "LogStreamName": "worker/worker/0123456789abcdef"},
        ),
    ]


def lambda_runs_the_links_api(deployment: Deployment) -> list[Call]:
    tf = deployment.terraform
    function = tf.output("links_api_function_name")
    group = tf.attribute("aws_cloudwatch_log_group.api", "name")
    return [
        Call(
            "links_api",
            "logs",
            "PutLogEvents",
            REGION,
            {"LogGroupName": group, "LogStreamName": "2025/01/01/[$LATEST]0123456789abcdef"},
        ),
        Call("links_api", "lambda", "DecryptEnvironment", REGION, {"FunctionName": function}),
    ]


def lambda_runs_the_worker(deployment: Deployment) -> list[Call]:
    """worker_mode = lambda: Lambda's runtime, with the worker Lambda's role, writes its log lines
    to the worker's log group and decrypts its environment."""
    tf = deployment.terraform
    function = tf.output("worker_lambda_function_name")
    group = tf.output("worker_log_group")
    return [
        Call(
            "worker_lambda",
            "logs",
            "PutLogEvents",
            REGION,
            {"LogGroupName": group, "LogStreamName": "2025/01/01/[$LATEST]0123456789abcdef"},
        ),
        Call("worker_lambda", "lambda", "DecryptEnvironment", REGION, {"FunctionName": function}),
    ]


def api_gateway_invokes(deployment: Deployment) -> list[Call]:
    """One invocation per route, with the execute-api ARN API Gateway sends as aws:SourceArn
    (``<execution_arn>/<stage>/<METHOD>/<path>``; the stage of an HTTP API's default is
    ``$default``)."""
    tf = deployment.terraform
    execution_arn = tf.attribute("aws_apigatewayv2_api.links", "execution_arn")
    stage = tf.attribute("aws_apigatewayv2_stage.links", "name")
    function = tf.output("links_api_function_name")
    calls = []
    for address, route in sorted(tf.resources().items()):
        if not address.startswith("aws_apigatewayv2_route.links["):
            continue
        method, path = route["route_key"].split(" ", 1)
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)
        source = f"{execution_arn}/{stage}/{method}{path}"
        calls.append(
            Call(
                API_GATEWAY,
                "lambda",
                "Invoke",
                REGION,
                {"FunctionName": function},
                context=_source(source),
            )
        )
    return calls


def aws_for_us(deployment: Deployment, recorded: list[Call]) -> list[Call]:
    return [
        *cloudfront_reads_pages(deployment, recorded),
        *alarms_publish(deployment),
        *logs_use_the_key(deployment),
        *ecs_starts_the_worker(deployment),
        *lambda_runs_the_links_api(deployment),
        *api_gateway_invokes(deployment),
    ]
