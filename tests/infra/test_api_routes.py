"""API Gateway routes exactly what the links API answers: a route missing in terraform is a 404
from API Gateway in production (say, the crew button's POST), one too many reaches a handler that
does not expect it."""

import json
import re

from api.app import ROUTES
from tests.infra.module import Module


def terraform_routes(tf: Module) -> set[str]:
    (routes,) = tf.of_kind("aws_apigatewayv2_route").values()
    listed = re.fullmatch(r"\$\{toset\((\[.*\])\)\}", routes["for_each"], re.S)
    assert listed, f"expected for_each = toset([...]), got {routes['for_each']!r}"
    assert routes["route_key"] == "${each.value}"
    return set(json.loads(listed[1]))


def test_terraform_routes_every_route_the_links_api_answers(tf: Module):
    missing = sorted(set(ROUTES) - terraform_routes(tf))
    assert not missing, f"api.app.ROUTES not routed in infra/terraform/api.tf: {missing}"


def test_terraform_routes_nothing_the_links_api_does_not_answer(tf: Module):
    unknown = sorted(terraform_routes(tf) - set(ROUTES))
    assert not unknown, f"infra/terraform/api.tf routes what api.app.ROUTES lacks: {unknown}"


def test_crew_links_take_the_get_that_asks_and_the_post_that_answers(tf: Module):
    routes = terraform_routes(tf)
    for verb in ("confirm", "decline"):
        assert {f"GET /crew/{{token}}/{verb}", f"POST /crew/{{token}}/{verb}"} <= routes
