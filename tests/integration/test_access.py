"""Access control through the Chalice app over real Redis and PostgreSQL: every route
called with a key of every scope (allowed ones succeed, the others are a 403 naming
the scope and change nothing), keys created and revoked at run time, per-key rate
limits, and secrets that never show up again after the answer that created them."""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from typing import Any

import pytest
from chalice.test import Client

from jobsched import access as access_module
from jobsched.access import Access
from jobsched.api.openapi import OPERATIONS
from jobsched.domain.access import SCOPES, allows
from jobsched.errors import UnauthorizedError
from jobsched.queue.rate_limit import RateLimiter
from jobsched.runtime import Runtime, set_runtime
from jobsched.store.keys import KeyStore
from tests.integration import test_api
from tests.integration.engine import Engine
from tests.integration.test_api import KEY, Api
from tests.integration.test_api_contract import BODIES, QUERIES, _order, _path, _world

api = test_api.api  # the in-process API, KEY its bootstrap (admin) key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}


def new_key(api: Api, scope: str, **extra: Any) -> dict[str, Any]:
    return api.ok("POST", "/keys", {"name": f"{scope}-key", "scope": scope, **extra}, 201)


def state(api: Api) -> dict[str, Any]:
    """What a refused request must leave as it was (read with the bootstrap key)."""
    keys = api.ok("GET", "/keys")["items"]
    return {
        "jobs": api.ok("GET", "/jobs?limit=200"),
        "executions": api.ok("GET", "/executions?limit=200"),
        "dead_letter": api.ok("GET", "/dead-letter"),
        "keys": [{k: v for k, v in key.items() if k != "last_used_at"} for key in keys],
        "audit": api.ok("GET", "/audit")["total"],
    }


KEYED = [op for op in OPERATIONS if not op.public]


@pytest.mark.parametrize("scope", SCOPES)
def test_every_route_with_every_scope(api: Api, engine: Engine, scope: str) -> None:
    ids = _world(api, engine)
    key = new_key(api, scope)["key"]
    allowed = [op for op in KEYED if allows(scope, op.needs)]
    refused = [op for op in KEYED if not allows(scope, op.needs)]
    assert {op.needs for op in refused} == set(SCOPES[SCOPES.index(scope) + 1 :])

    before = state(api)
    for op in refused:
        path = _path(op, ids) + QUERIES.get((op.method, op.path), "").format(**ids)
        body = BODIES.get((op.method, op.path))
        code, answer = api.call(op.method, path, body, headers=bearer(key))
        assert code == 403, (op.method, path, answer)
        assert answer["error"]["code"] == "forbidden"
        assert answer["error"]["required_scope"] == op.needs
        assert op.needs in answer["error"]["message"]
    assert state(api) == before, "a refused request changes nothing"

    for op in sorted(allowed, key=_order):
        path = _path(op, ids) + QUERIES.get((op.method, op.path), "").format(**ids)
        body = BODIES.get((op.method, op.path))
        code, answer = api.call(op.method, path, body, headers=bearer(key))
        assert code == op.status, (op.method, path, answer)


def test_a_created_key_works_at_once_and_a_revoked_one_is_refused_on_the_next_request(
    api: Api,
) -> None:
    created = new_key(api, "operate")
    assert set(created) >= {"id", "name", "scope", "key", "created_at"}
    assert created["key"].startswith("jsk_")
    key = created["key"]
    assert api.call("GET", "/jobs", headers=bearer(key))[0] == 200
    me = api.call("GET", "/keys/me", headers=bearer(key))[1]
    assert me == {
        "id": created["id"],
        "name": "operate-key",
        "scope": "operate",
        "rate_limit_per_minute": None,
        "bootstrap": False,
    }

    assert api.call("DELETE", f"/keys/{created['id']}")[0] == 204
    code, body = api.call("GET", "/jobs", headers=bearer(key))
    assert (code, body["error"]["code"]) == (401, "unauthorized")
    assert api.ok("GET", "/keys")["total"] == 0
    code, body = api.call("DELETE", f"/keys/{created['id']}")
    assert code == 404, "revoked once"


def test_a_revocation_reaches_every_api_instance_within_a_second(engine: Engine) -> None:
    settings = replace(engine.settings, api_keys=("boot",))

    def instance() -> Access:
        limiter = RateLimiter(engine.queue.client, settings.redis_key_prefix)
        return Access(settings, KeyStore(engine.store), limiter, engine.clock)

    one, other = instance(), instance()
    admin = one.authenticate("Bearer boot")
    created = one.create_key({"name": "ci", "scope": "read"}, admin)
    header = f"Bearer {created['key']}"
    assert other.authenticate(header).id == created["id"], "usable on another instance at once"

    one.revoke_key(created["id"], admin)
    with pytest.raises(UnauthorizedError):
        one.authenticate(header)
    engine.clock.advance(1)
    with pytest.raises(UnauthorizedError):
        other.authenticate(header)


def _raw(api: Api, method: str, path: str, key: str) -> Any:
    return api.client.http.request(method, "/api/v1" + path, headers=bearer(key))


def test_a_burst_over_a_keys_limit_is_429_while_another_key_goes_on(
    api: Api, engine: Engine
) -> None:
    noisy = new_key(api, "read", rate_limit_per_minute=5)["key"]
    quiet = new_key(api, "read", rate_limit_per_minute=5)["key"]
    for _ in range(5):
        assert _raw(api, "GET", "/jobs", noisy).status_code == 200
    refused = _raw(api, "GET", "/jobs", noisy)
    assert refused.status_code == 429
    assert json.loads(refused.body)["error"]["code"] == "rate_limited"
    assert refused.headers["Retry-After"] == "12", "a token every 12 s at 5 a minute"
    assert _raw(api, "GET", "/jobs", quiet).status_code == 200, "another key is unaffected"
    assert _raw(api, "GET", "/jobs", KEY).status_code == 200, "bootstrap keys are unlimited"

    engine.clock.advance(12)
    assert _raw(api, "GET", "/jobs", noisy).status_code == 200
    assert _raw(api, "GET", "/jobs", noisy).status_code == 429


def test_bootstrap_keys_are_limited_when_configured(engine: Engine) -> None:
    from app.app import app

    settings = replace(engine.settings, api_keys=(KEY,), api_keys_rate_limit=2)
    rt = Runtime(settings, engine.clock)
    rt.__dict__.update(store=engine.store, queue=engine.queue, registry=engine.registry)
    set_runtime(rt)
    try:
        with Client(app) as client:
            codes = [
                client.http.request("GET", "/api/v1/jobs", headers=bearer(KEY)).status_code
                for _ in range(3)
            ]
    finally:
        set_runtime(None)
    assert codes == [200, 200, 429]


def test_key_changes_are_audited_under_the_callers_key_id(api: Api) -> None:
    admin = new_key(api, "admin")
    read = new_key(api, "read")
    me = api.ok("GET", "/keys/me")
    assert me["bootstrap"] and me["scope"] == "admin" and me["id"].startswith("env-")
    job = api.call("POST", "/jobs", test_api.job_body(), headers=bearer(admin["key"]))[1]
    assert api.call("DELETE", f"/keys/{read['id']}", headers=bearer(admin["key"]))[0] == 204

    entries = api.ok("GET", "/audit")["items"]
    assert [(e["action"], e["key_id"], e["target_type"], e["target_id"]) for e in entries] == [
        ("key_revoke", admin["id"], "key", read["id"]),
        ("create", admin["id"], "job", job["id"]),
        ("key_create", me["id"], "key", read["id"]),
        ("key_create", me["id"], "key", admin["id"]),
    ]
    assert entries[-1]["changes"] == {
        "name": {"after": "admin-key"},
        "scope": {"after": "admin"},
        "rate_limit_per_minute": {"after": None},
    }
    listed = api.ok("GET", "/keys")["items"]
    assert [(k["id"], k["created_by"]) for k in listed] == [(admin["id"], me["id"])]
    assert listed[0]["last_used_at"] is not None, "used to create a job"


def test_secrets_never_appear_after_the_answer_that_created_them(
    api: Api, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    created = new_key(api, "read", rate_limit_per_minute=2)
    key = created["key"]
    answers = [
        api.call("GET", "/keys/me", headers=bearer(key)),
        api.call("POST", "/jobs", test_api.job_body(), headers=bearer(key)),  # forbidden
        api.call("GET", "/jobs", headers=bearer(key)),  # over its limit
        api.call("DELETE", f"/keys/{key}"),  # the key where its id belongs
        api.call("GET", "/keys"),
        api.call("GET", "/audit"),
        api.call("DELETE", f"/keys/{created['id']}"),
        api.call("GET", "/jobs", headers=bearer(key)),  # revoked
        api.call("GET", "/audit"),
    ]
    assert [code for code, _ in answers] == [200, 403, 429, 404, 200, 200, 204, 401, 200]
    seen = json.dumps(answers) + caplog.text + "".join(capsys.readouterr())
    assert key not in seen
    assert key[4:20] not in seen, "not even part of it"


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"name": "ci", "scope": "root"}, {"scope": "must be one of read, operate, admin"}),
        ({"scope": "read"}, {"name": "is required"}),
        (
            {"name": "ci", "scope": "read", "rate_limit_per_minute": 0},
            {"rate_limit_per_minute": "must be between 1 and 1000000"},
        ),
        ({"name": " ", "scope": "read", "key": "mine"}, None),
    ],
)
def test_a_bad_key_request_is_a_400_naming_the_field_and_creates_nothing(
    api: Api, body: dict[str, Any], fields: dict[str, str] | None
) -> None:
    code, answer = api.call("POST", "/keys", body)
    assert code == 400
    if fields is not None:
        assert answer["error"]["fields"] == fields
    else:
        assert set(answer["error"]["fields"]) == {"name", "key"}
    assert api.ok("GET", "/keys")["total"] == 0
    assert api.ok("GET", "/audit")["total"] == 0


def test_a_flood_of_one_unknown_key_costs_one_lookup_and_each_is_still_a_401(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = replace(engine.settings, api_keys=("boot",))
    keys = KeyStore(engine.store)
    access = Access(
        settings, keys, RateLimiter(engine.queue.client, settings.redis_key_prefix), engine.clock
    )
    lookups: list[str] = []
    real_find = keys.find
    monkeypatch.setattr(keys, "find", lambda digest: lookups.append(digest) or real_find(digest))

    for _ in range(50):
        with pytest.raises(UnauthorizedError):
            access.authenticate("Bearer jsk_not-a-key-anyone-made")
    assert len(lookups) == 1, "one PostgreSQL read for 50 requests with the same unknown key"

    engine.clock.advance(access_module.UNKNOWN_KEY_CACHE.total_seconds())
    with pytest.raises(UnauthorizedError):
        access.authenticate("Bearer jsk_not-a-key-anyone-made")
    assert len(lookups) == 2, "forgotten after UNKNOWN_KEY_CACHE: looked up again"

    # A key created meanwhile works at once, here and on another instance that had
    # never seen it.
    admin = access.authenticate("Bearer boot")
    created = access.create_key({"name": "fresh", "scope": "read"}, admin)
    assert access.authenticate(f"Bearer {created['key']}").id == created["id"]


def test_the_unknown_key_cache_is_bounded(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access_module, "UNKNOWN_KEY_CACHE_SIZE", 8)
    access = Access(
        engine.settings,
        KeyStore(engine.store),
        RateLimiter(engine.queue.client, engine.settings.redis_key_prefix),
        engine.clock,
    )
    for n in range(100):
        with pytest.raises(UnauthorizedError):
            access.authenticate(f"Bearer random-{n}")
    assert len(access._unknown) <= 8, "a flood of distinct tokens cannot grow memory"
