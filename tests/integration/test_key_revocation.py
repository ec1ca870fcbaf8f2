"""Revoking a key revokes the keys it created, transitively (issue 20): a key minted
with a leaked admin key must not outlive it. Keys from API_KEYS create keys that live
until revoked themselves (revoking a bootstrap key is a redeploy). Through the Chalice
app over real Redis and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.integration import test_api
from tests.integration.test_access import bearer
from tests.integration.test_api import Api

api = test_api.api


def create(api: Api, with_key: str | None, name: str, scope: str = "admin") -> dict[str, Any]:
    body = {"name": name, "scope": scope}
    if with_key is None:
        return api.ok("POST", "/keys", body, 201)
    code, answer = api.call("POST", "/keys", body, headers=bearer(with_key))
    assert code == 201, answer
    return answer


def works(api: Api, key: str) -> bool:
    code, _ = api.call("GET", "/keys/me", headers=bearer(key))
    assert code in (200, 401)
    return code == 200


def test_revoking_a_key_revokes_what_it_created_and_their_keys(api: Api) -> None:
    root = create(api, None, "root")  # made with the API_KEYS key
    child = create(api, root["key"], "child")
    grandchild = create(api, child["key"], "grandchild", "read")
    sibling = create(api, None, "sibling")  # another API_KEYS-made key: unaffected

    assert api.call("DELETE", f"/keys/{root['id']}")[0] == 204

    assert not works(api, root["key"])
    assert not works(api, child["key"])
    assert not works(api, grandchild["key"])
    assert works(api, sibling["key"])
    assert [k["name"] for k in api.ok("GET", "/keys")["items"]] == ["sibling"]
    # Each revocation is audited; the ones that went with the root say so.
    entries = api.ok("GET", "/audit?action=key_revoke")["items"]
    by_target = {e["target_id"]: e["changes"] for e in entries}
    assert set(by_target) == {root["id"], child["id"], grandchild["id"]}
    assert "revoked_with" not in by_target[root["id"]]
    assert by_target[grandchild["id"]]["revoked_with"] == {"after": root["id"]}


def test_revoking_a_middle_key_keeps_its_creator(api: Api) -> None:
    root = create(api, None, "root")
    child = create(api, root["key"], "child")
    grandchild = create(api, child["key"], "grandchild", "operate")
    assert api.call("DELETE", f"/keys/{child['id']}")[0] == 204
    assert works(api, root["key"])
    assert not works(api, child["key"]) and not works(api, grandchild["key"])
