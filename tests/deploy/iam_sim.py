"""A small IAM policy evaluator for recorded calls: which action on which resource each call needs,
and whether the applied policies allow it.

Why not a library: on PyPI, ``policy_sentry`` writes policies and evaluates none; ``policyuniverse``
and ``parliament`` parse and lint statements but do not decide a request against identity *and*
resource policies; ``iam-simulator`` is not maintained. What the decision needs here is small and
written out below, from AWS's "policy evaluation logic" for one account:

- an explicit Deny in any applicable policy wins: identity, resource (bucket, queue, topic) and,
  for KMS, key policies alike; a Deny naming the account (its root) covers every IAM principal
  of the account, not the services acting for it;
- otherwise a request is allowed when the principal's identity policy allows it, or a resource
  policy allows it *for that principal*;
- KMS is the exception: the key policy must allow, directly or by its statement for the account
  root (which hands the decision to IAM, so the identity policy must then allow too).

Statements may use Action/Resource with ``*`` and ``?`` wildcards, Principal, and the condition
operators the module uses (StringEquals, StringLike, ArnEquals, ArnLike, Bool). Anything else
(NotAction, NotResource, NotPrincipal, another operator) raises: an evaluator that guessed would
hide the very denial it is here to find.

Which action and resource a call needs is ``requirements``: one table per operation the
recorded processes make. A call the table does not know fails the test, naming it.
"""

import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.deploy.aws_calls import Call

ACCOUNT = "123456789012"

#: how a service principal is named among principal ARNs: ``service:ses.amazonaws.com``
SERVICE = "service:"


@dataclass(frozen=True)
class Need:
    """One authorisation a call needs: an action on a resource, with request context keys."""

    action: str
    resource: str
    context: tuple[tuple[str, str], ...] = ()

    def key(self, name: str) -> str | None:
        """A context key's value; IAM compares condition key names without case."""
        wanted = name.lower()
        return next((v for k, v in self.context if k.lower() == wanted), None)


@dataclass
class Policies:
    """The applied policies, as read back from moto."""

    identity: Mapping[str, list[dict[str, Any]]]  # principal → statements of its policies
    principal_arns: Mapping[str, str]  # principal label → role (or group member) ARN
    resource: Mapping[str, list[dict[str, Any]]]  # resource ARN (bucket, queue, ...) → statements
    key_policies: Mapping[str, list[dict[str, Any]]]  # key ARN → statements


@dataclass
class Decision:
    principal: str
    need: Need
    allowed: bool
    why: str
    matched: list[tuple[str, str]] = field(default_factory=list)  # (policy, sid) that allowed


def statements(document: str | Mapping[str, Any]) -> list[dict[str, Any]]:
    parsed = json.loads(document) if isinstance(document, str) else document
    found = parsed["Statement"]
    return [found] if isinstance(found, dict) else list(found)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _wild(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value, pattern)


OPERATORS = (
    "StringEquals",
    "ArnEquals",
    "StringLike",
    "ArnLike",
    "Bool",
    "ForAllValues:StringEquals",
)


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], need: Need) -> bool:
    for operator in condition:
        if operator not in OPERATORS:
            raise ValueError(f"condition operator {operator} is not evaluated here")
    for operator, tests in condition.items():
        for name, wanted in tests.items():
            have = need.key(name)
            values = _listed(wanted)
            if operator == "ForAllValues:StringEquals":
                # every value the request carries is listed; a request with none passes, as in
                # AWS (the grant it guards is on item operations, which always carry their key)
                if have is not None and have not in values:
                    return False
                continue
            if have is None:
                return False
            if operator in ("StringEquals", "ArnEquals"):
                ok = have in values
            elif operator in ("StringLike", "ArnLike"):
                ok = any(_wild(v, have) for v in values)
            elif operator == "Bool":
                ok = have.lower() in [str(v).lower() for v in values]
            else:
                raise ValueError(f"condition operator {operator} is not evaluated here")
            if not ok:
                return False
    return True


def _principal_matches(statement: Mapping[str, Any], principal_arn: str) -> bool:
    if "NotPrincipal" in statement:
        raise ValueError("NotPrincipal is not evaluated here")
    principal = statement.get("Principal")
    if principal is None:  # identity policy
        return True
    if principal == "*":
        return True
    if principal_arn.startswith(SERVICE):  # an AWS service acting for us (SES, SNS)
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        return principal_arn.removeprefix(SERVICE) in services
    aws = _listed(principal.get("AWS", [])) if isinstance(principal, dict) else []
    return "*" in aws or principal_arn in aws


def _applies(statement: Mapping[str, Any], need: Need, principal_arn: str) -> bool:
    for unsupported in ("NotAction", "NotResource"):
        if unsupported in statement:
            raise ValueError(f"{unsupported} is not evaluated here")
    if not _principal_matches(statement, principal_arn):
        return False
    if not any(_wild(a.lower(), need.action.lower()) for a in _listed(statement["Action"])):
        return False
    if not any(_wild(r, need.resource) for r in _listed(statement.get("Resource", "*"))):
        return False
    return _condition_holds(statement.get("Condition", {}), need)


def _names_account_root(statement: Mapping[str, Any]) -> bool:
    principal = statement.get("Principal")
    aws = _listed(principal.get("AWS", [])) if isinstance(principal, dict) else []
    return f"arn:aws:iam::{ACCOUNT}:root" in aws or ACCOUNT in aws


def _in_account(principal_arn: str) -> bool:
    """An IAM principal (role, user, assumed role) of our account; not a service."""
    return principal_arn.startswith((f"arn:aws:iam::{ACCOUNT}:", f"arn:aws:sts::{ACCOUNT}:"))


def _denies(statement: Mapping[str, Any], need: Need, principal_arn: str) -> bool:
    """A Deny statement that applies: naming the account root, it names each of its principals."""
    if statement.get("Effect") != "Deny":
        return False
    if _names_account_root(statement) and _in_account(principal_arn):
        statement = {**statement, "Principal": {"AWS": principal_arn}}
    return _applies(statement, need, principal_arn)


def decide(need: Need, principal: str, policies: Policies) -> Decision:
    arn = policies.principal_arns.get(principal, principal)
    identity = policies.identity.get(principal, [])
    resource_policy = policies.resource.get(_resource_owner(need.resource), [])
    key_statements = (
        policies.key_policies.get(need.resource, []) if need.action.startswith("kms:") else []
    )
    applicable = (("identity", identity), ("resource", resource_policy), ("key", key_statements))
    for source, found in applicable:
        for statement in found:
            if _denies(statement, need, arn):
                return Decision(
                    principal, need, False, f"explicit deny: {source}/{statement.get('Sid')}"
                )
    allowed_by: list[tuple[str, str]] = []
    for source, found in (("identity", identity), ("resource", resource_policy)):
        for statement in found:
            if statement.get("Effect") == "Allow" and _applies(statement, need, arn):
                allowed_by.append((source, statement.get("Sid", "")))
    if need.action.startswith("kms:"):
        root_delegates = False
        for statement in key_statements:
            if statement.get("Effect") == "Allow" and _names_account_root(statement):
                scoped = {**statement, "Principal": {"AWS": arn}}
                root_delegates = root_delegates or _applies(scoped, need, arn)
            elif _applies(statement, need, arn) and statement.get("Effect") == "Allow":
                return Decision(
                    principal, need, True, "key policy", [("key", statement.get("Sid", ""))]
                )
        identity_allows = [m for m in allowed_by if m[0] == "identity"]
        if root_delegates and identity_allows:
            return Decision(principal, need, True, "key policy delegates to IAM", identity_allows)
        return Decision(principal, need, False, "no key policy statement (with IAM) allows it")
    if allowed_by:
        return Decision(principal, need, True, "allowed", allowed_by)
    return Decision(principal, need, False, "implicit deny: no statement allows it")


def _resource_owner(resource: str) -> str:
    """The ARN whose resource policy governs ``resource`` (an object → its bucket)."""
    if resource.startswith("arn:aws:s3:::"):
        return "arn:aws:s3:::" + resource.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    return resource


# --- what each call needs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """What a call's parameters do not say: the account, the region, the key."""

    region: str
    kms_key_arn: str
    encrypted_buckets: frozenset[str]
    secure_transport: str = "true"  # boto3 speaks HTTPS to AWS; moto's loopback is plain HTTP
    #: event source mapping UUID → the function it feeds (lambda:FunctionArn of a call on it)
    event_source_mappings: Mapping[str, str] = field(default_factory=dict)


def _queue_arn(call: Call, dep: Deployment) -> str:
    name = call.params["QueueUrl"].rstrip("/").rsplit("/", 1)[-1]
    return f"arn:aws:sqs:{dep.region}:{ACCOUNT}:{name}"


def _object_arn(call: Call) -> str:
    return f"arn:aws:s3:::{call.params['Bucket']}/{call.params['Key']}"


def _table_arn(name: str, dep: Deployment) -> str:
    return f"arn:aws:dynamodb:{dep.region}:{ACCOUNT}:table/{name}"


def _via(service: str, dep: Deployment) -> tuple[tuple[str, str], ...]:
    return (("kms:ViaService", f"{service}.{dep.region}.amazonaws.com"),)


def _sqs(action: str, *kms: str) -> Callable[[Call, Deployment], list[Need]]:
    def needs(call: Call, dep: Deployment) -> list[Need]:
        queue = _queue_arn(call, dep)
        found = [Need(f"sqs:{action}", queue)]
        found += [Need(f"kms:{k}", dep.kms_key_arn, _via("sqs", dep)) for k in kms]
        return found

    return needs


def _s3_object(action: str, *kms: str) -> Callable[[Call, Deployment], list[Need]]:
    def needs(call: Call, dep: Deployment) -> list[Need]:
        transport = (("aws:SecureTransport", dep.secure_transport),)
        found = [Need(f"s3:{action}", _object_arn(call), transport)]
        if call.params["Bucket"] in dep.encrypted_buckets:
            # every bucket has a bucket key: S3 names the bucket in the encryption context
            context = (
                *_via("s3", dep),
                ("kms:EncryptionContext:aws:s3:arn", f"arn:aws:s3:::{call.params['Bucket']}"),
            )
            found += [Need(f"kms:{k}", dep.kms_key_arn, context) for k in kms]
        return found

    return needs


def _dynamodb(action: str) -> Callable[[Call, Deployment], list[Need]]:
    # DynamoDB uses the table's KMS key through the grant it made at creation: callers need no
    # kms: permission of their own (AWS, "DynamoDB encryption at rest: how it uses AWS KMS").
    def needs(call: Call, dep: Deployment) -> list[Need]:
        leading = call.params.get("LeadingKey")
        context = (("dynamodb:LeadingKeys", leading),) if leading else ()
        return [Need(f"dynamodb:{action}", _table_arn(call.params["TableName"], dep), context)]

    return needs


def _transact(call: Call, dep: Deployment) -> list[Need]:
    kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}
    kinds["ConditionCheck"] = "ConditionCheckItem"
    return [
        Need(f"dynamodb:{kinds[kind]}", _table_arn(body["TableName"], dep))
        for item in call.params["TransactItems"]
        for kind, body in item.items()
    ]


def _secret(call: Call, dep: Deployment) -> list[Need]:
    return [
        Need("secretsmanager:GetSecretValue", call.params["SecretId"]),
        Need("kms:Decrypt", dep.kms_key_arn, _via("secretsmanager", dep)),
    ]


def _invalidation(call: Call, dep: Deployment) -> list[Need]:
    arn = f"arn:aws:cloudfront::{ACCOUNT}:distribution/{call.params['DistributionId']}"
    return [Need("cloudfront:CreateInvalidation", arn)]


def _send_email(call: Call, dep: Deployment) -> list[Need]:
    sender = call.params["FromEmailAddress"]
    address = sender.rsplit("<", 1)[-1].rstrip(">").strip()
    domain = address.split("@", 1)[1].lower()
    context = (("ses:FromAddress", address),)
    needs = [
        Need("ses:SendEmail", f"arn:aws:ses:{dep.region}:{ACCOUNT}:identity/{domain}", context)
    ]
    if call.params.get("ConfigurationSetName"):
        config_set = call.params["ConfigurationSetName"]
        arn = f"arn:aws:ses:{dep.region}:{ACCOUNT}:configuration-set/{config_set}"
        needs.append(Need("ses:SendEmail", arn, context))
    return needs


def _invoke(call: Call, dep: Deployment) -> list[Need]:
    arn = f"arn:aws:lambda:{dep.region}:{ACCOUNT}:function:{call.params['FunctionName']}"
    return [Need("lambda:InvokeFunction", arn)]


def _publish(call: Call, dep: Deployment) -> list[Need]:
    via = _via("sns", dep)
    return [
        Need("sns:Publish", call.params["TopicArn"]),
        Need("kms:GenerateDataKey", dep.kms_key_arn, via),
        Need("kms:Decrypt", dep.kms_key_arn, via),
    ]


def _log_stream(call: Call, dep: Deployment) -> list[Need]:
    """A process's log lines (ECS's awslogs driver, Lambda's runtime) into its log group."""
    group, stream = call.params["LogGroupName"], call.params["LogStreamName"]
    arn = f"arn:aws:logs:{dep.region}:{ACCOUNT}:log-group:{group}:log-stream:{stream}"
    return [Need("logs:CreateLogStream", arn), Need("logs:PutLogEvents", arn)]


def _log_group_key(call: Call, dep: Deployment) -> list[Need]:
    """CloudWatch Logs encrypting (and reading back) a log group's events with our key: as its
    own service principal, naming the group in the encryption context."""
    group = f"arn:aws:logs:{dep.region}:{ACCOUNT}:log-group:{call.params['LogGroupName']}"
    context = (("kms:EncryptionContext:aws:logs:arn", group),)
    return [Need(f"kms:{k}", dep.kms_key_arn, context) for k in ("GenerateDataKey", "Decrypt")]


def _lambda_environment(call: Call, dep: Deployment) -> list[Need]:
    """Lambda's runtime decrypting the function's KMS-encrypted environment at a cold start, with
    the function's role, naming the function in the encryption context."""
    arn = f"arn:aws:lambda:{dep.region}:{ACCOUNT}:function:{call.params['FunctionName']}"
    context = (*_via("lambda", dep), ("kms:EncryptionContext:aws:lambda:FunctionArn", arn))
    return [Need("kms:Decrypt", dep.kms_key_arn, context)]


def _update_mapping(call: Call, dep: Deployment) -> list[Need]:
    """An event source mapping by its UUID, with the function it feeds as lambda:FunctionArn."""
    uuid = call.params["UUID"]
    arn = f"arn:aws:lambda:{dep.region}:{ACCOUNT}:event-source-mapping:{uuid}"
    context = (("lambda:FunctionArn", dep.event_source_mappings[uuid]),)
    return [Need("lambda:UpdateEventSourceMapping", arn, context)]


def _ecr(action: str) -> Callable[[Call, Deployment], list[Need]]:
    def needs(call: Call, dep: Deployment) -> list[Need]:
        name = call.params["repositoryName"]
        return [Need(f"ecr:{action}", f"arn:aws:ecr:{dep.region}:{ACCOUNT}:repository/{name}")]

    return needs


REQUIREMENTS: dict[tuple[str, str], Callable[[Call, Deployment], list[Need]]] = {
    ("sqs", "ReceiveMessage"): _sqs("ReceiveMessage", "Decrypt"),
    ("sqs", "DeleteMessage"): _sqs("DeleteMessage"),
    ("sqs", "DeleteMessageBatch"): _sqs("DeleteMessage"),
    ("sqs", "ChangeMessageVisibility"): _sqs("ChangeMessageVisibility"),
    ("sqs", "ChangeMessageVisibilityBatch"): _sqs("ChangeMessageVisibility"),
    ("sqs", "SendMessage"): _sqs("SendMessage", "GenerateDataKey", "Decrypt"),
    ("sqs", "SendMessageBatch"): _sqs("SendMessage", "GenerateDataKey", "Decrypt"),
    ("sqs", "GetQueueAttributes"): _sqs("GetQueueAttributes"),
    ("s3", "GetObject"): _s3_object("GetObject", "Decrypt"),
    ("s3", "HeadObject"): _s3_object("GetObject", "Decrypt"),
    ("s3", "PutObject"): _s3_object("PutObject", "GenerateDataKey"),
    ("dynamodb", "GetItem"): _dynamodb("GetItem"),
    ("dynamodb", "PutItem"): _dynamodb("PutItem"),
    ("dynamodb", "UpdateItem"): _dynamodb("UpdateItem"),
    ("dynamodb", "DeleteItem"): _dynamodb("DeleteItem"),
    ("dynamodb", "Query"): _dynamodb("Query"),
    ("dynamodb", "Scan"): _dynamodb("Scan"),
    ("dynamodb", "TransactWriteItems"): _transact,
    ("secretsmanager", "GetSecretValue"): _secret,
    ("cloudfront", "CreateInvalidation"): _invalidation,
    ("sesv2", "SendEmail"): _send_email,
    ("lambda", "Invoke"): _invoke,
    # listing mappings has no resource type: IAM decides it on "*"
    ("lambda", "ListEventSourceMappings"): lambda call, dep: [
        Need("lambda:ListEventSourceMappings", "*")
    ],
    ("lambda", "UpdateEventSourceMapping"): _update_mapping,
    ("sns", "Publish"): _publish,
    # CloudWatch metric reads have no resource type: IAM decides them on "*"
    ("cloudwatch", "GetMetricStatistics"): lambda call, dep: [
        Need("cloudwatch:GetMetricStatistics", "*")
    ],
    # made by AWS for us, not by a process of ours (tests/deploy/services.py builds them)
    ("lambda", "DecryptEnvironment"): _lambda_environment,
    ("logs", "PutLogEvents"): _log_stream,
    ("logs", "EncryptLogGroup"): _log_group_key,
    # ECR login has no resource type: IAM decides it on "*"
    ("ecr", "GetAuthorizationToken"): lambda call, dep: [Need("ecr:GetAuthorizationToken", "*")],
    ("ecr", "BatchCheckLayerAvailability"): _ecr("BatchCheckLayerAvailability"),
    ("ecr", "BatchGetImage"): _ecr("BatchGetImage"),
    ("ecr", "GetDownloadUrlForLayer"): _ecr("GetDownloadUrlForLayer"),
}

#: (service principal, service calling KMS for it) where the service's aws:SourceArn and
#: aws:SourceAccount reach KMS. CloudFront reading SSE-KMS objects through OAC is AWS's own
#: documented key policy (CloudFront developer guide, "Restrict access to an Amazon S3 origin");
#: the SNS and SQS paths are assumed and proven only on AWS (infra/terraform/README.md). SES
#: writing through S3 is not here: AWS documents no such context, so the key policy must not
#: rest on it (issue 20, point 1).
SOURCE_CONTEXT_REACHES_KMS = frozenset(
    {
        ("cloudfront.amazonaws.com", "s3"),
        ("ses.amazonaws.com", "sns"),
        ("sns.amazonaws.com", "sqs"),
        ("cloudwatch.amazonaws.com", "sns"),
    }
)


def _carried(call: Call, need: Need) -> tuple[tuple[str, str], ...]:
    """The call's own context keys that reach this need's authorisation: all of them for the
    call itself; for a KMS request a service makes on the caller's behalf, only where
    ``SOURCE_CONTEXT_REACHES_KMS`` says so."""
    extra = tuple(call.context.items())
    if not need.action.startswith("kms:") or not call.principal.startswith(SERVICE):
        return extra
    via = (need.key("kms:ViaService") or "").split(".", 1)[0]
    if (call.principal.removeprefix(SERVICE), via) in SOURCE_CONTEXT_REACHES_KMS:
        return extra
    return ()


def requirements(call: Call, dep: Deployment) -> list[Need]:
    if call.presigned and (call.service, call.operation) == ("s3", "CreateBucket"):
        # generate_presigned_post: botocore builds the form on CreateBucket's model and sends
        # nothing. What the form lets a browser do is checked as the upload it allows (s3:PutObject
        # of its key, with the signer's rights): see tests/deploy/test_iam_by_calls.py.
        return []
    try:
        rule = REQUIREMENTS[(call.service, call.operation)]
    except KeyError:
        raise KeyError(
            f"{call.service}:{call.operation} has no entry in iam_sim.REQUIREMENTS: say which "
            "IAM action and resource it needs before this check can judge it"
        ) from None
    return [Need(n.action, n.resource, n.context + _carried(call, n)) for n in rule(call, dep)]


def evaluate(calls: Iterable[Call], dep: Deployment, policies: Policies) -> list[Decision]:
    return [
        decide(need, call.principal, policies) for call in calls for need in requirements(call, dep)
    ]


def unused_grants(
    decisions: Iterable[Decision], identity: Mapping[str, list[dict[str, Any]]]
) -> dict[str, list[str]]:
    """principal → ``Sid: action`` of its identity grants that no allowed request used."""
    used = {
        (d.principal, sid, d.need.action.lower())
        for d in decisions
        if d.allowed
        for source, sid in d.matched
        if source == "identity"
    }
    unused: dict[str, list[str]] = {}
    for principal, found in identity.items():
        for statement in found:
            if statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid", "")
            for action in _listed(statement["Action"]):
                hit = any(
                    p == principal and s == sid and _wild(action.lower(), a) for p, s, a in used
                )
                if not hit:
                    unused.setdefault(principal, []).append(f"{sid}: {action}")
    return unused
