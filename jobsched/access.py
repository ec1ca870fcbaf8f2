"""Access control for the API: who a request comes from, whether its key's scope
allows the route, whether the key is within its rate limit, and the keys' own
management (create, list, revoke).

Keys from API_KEYS are ``admin`` and compared in constant time; keys created at run
time are found by their SHA-256 in PostgreSQL. A found key is remembered for at most
``KEY_CACHE`` per API process, so a revocation reaches every instance within a
second (at once on the instance that revoked it) while a busy key costs one
PostgreSQL read a second, not one a request. An unknown key is remembered as unknown
for ``UNKNOWN_KEY_CACHE`` (at most ``UNKNOWN_KEY_CACHE_SIZE`` of them per process), so
a flood of requests with one made-up key costs one PostgreSQL read, not one each. A
created key is still usable on every instance at once: its secret is new, so no
instance can have seen it before (the creating instance also forgets it, for form).
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

from jobsched import key_life
from jobsched.api.http import bootstrap_key_index
from jobsched.clock import Clock
from jobsched.domain import contract
from jobsched.domain.access import BOOTSTRAP_SCOPE, KEY_PREFIX, allows, key_hash
from jobsched.domain.audit import Audit, key_id
from jobsched.domain.models import Caller
from jobsched.domain.plain import plain
from jobsched.domain.validation import load_body
from jobsched.errors import DependencyError, ForbiddenError, RateLimitedError, UnauthorizedError
from jobsched.queue.rate_limit import RateLimiter
from jobsched.settings import Settings
from jobsched.store.keys import KeyStore

log = logging.getLogger("jobsched.access")

KEY_CACHE = timedelta(seconds=1)
"""How long an API process trusts what it read about a key: the bound on how late a
revocation made on another instance takes effect."""
UNKNOWN_KEY_CACHE = timedelta(seconds=10)
"""How long an API process answers 401 for a key it found unknown without asking
PostgreSQL again."""
UNKNOWN_KEY_CACHE_SIZE = 10_000
"""Unknown keys remembered per process (the oldest go first): a flood of distinct
made-up keys is bounded in memory (and is per-source limits' work, not this cache's)."""
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""last_used_at is kept to the minute: a busy key is not one write per request."""


class Access:
    def __init__(
        self,
        settings: Settings,
        keys: KeyStore,
        limiter: RateLimiter,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.keys = keys
        self.limiter = limiter
        self.clock = clock
        self._cache: dict[str, tuple[datetime, Caller]] = {}
        self._revoked: set[str] = set()
        """Keys this instance revoked: a request that read one just before is not let
        to cache it again."""
        self._unknown: OrderedDict[str, datetime] = OrderedDict()
        """Digests found unknown, and when: answered 401 without a lookup for a while."""
        self._lock = threading.Lock()

    # --------------------------------------------------------- each request

    def authenticate(self, authorization: str | None) -> Caller:
        """The caller a ``Authorization: Bearer <key>`` header names; 401 otherwise.
        The messages never repeat the key."""
        scheme, _, token = (authorization or "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise UnauthorizedError("send 'Authorization: Bearer <API key>'")
        index = bootstrap_key_index(token, self.settings.api_keys)
        if index is not None:
            limit = self.settings.api_keys_rate_limit or None
            name = f"API_KEYS #{index + 1}"
            return Caller(key_id(token), name, BOOTSTRAP_SCOPE, limit, bootstrap=True)
        caller = self._created_key(key_hash(token))
        if caller is None:
            raise UnauthorizedError("unknown API key")
        return caller

    def _created_key(self, digest: str) -> Caller | None:
        now = self.clock.now()
        with self._lock:
            cached = self._cache.get(digest)
            unknown_since = self._unknown.get(digest)
        if cached is not None and timedelta(0) <= now - cached[0] < KEY_CACHE:
            return cached[1]
        if unknown_since is not None and timedelta(0) <= now - unknown_since < UNKNOWN_KEY_CACHE:
            return None
        found = self.keys.find(digest)
        with self._lock:
            if found is None or found.id in self._revoked:
                self._cache.pop(digest, None)
                self._remember_unknown(digest, now)
                return None
            self._unknown.pop(digest, None)
            self._cache[digest] = (now, found.caller())
        last = found.last_used_at
        if last is None or now - last >= LAST_USED_RESOLUTION:
            self.keys.touch(found.id, now)
        return found.caller()

    def _remember_unknown(self, digest: str, now: datetime) -> None:
        """Called with the lock held."""
        self._unknown[digest] = now
        self._unknown.move_to_end(digest)
        while len(self._unknown) > UNKNOWN_KEY_CACHE_SIZE:
            self._unknown.popitem(last=False)

    def authorize(self, caller: Caller, needs: str, route: str) -> None:
        """403 naming the scope ``route`` needs, unless the caller's scope allows it."""
        if not allows(caller.scope, needs):
            raise ForbiddenError(
                f"{route} needs the {needs} scope; this key's scope is {caller.scope}", needs
            )

    def limit(self, caller: Caller) -> None:
        """429 with the seconds to wait once the caller is over its rate limit. If Redis
        cannot count, the request goes ahead: a limit is not worth an outage."""
        if caller.rate_limit_per_minute is None:
            return
        try:
            wait_ms = self.limiter.take(caller.id, caller.rate_limit_per_minute, self.clock.now())
        except DependencyError as exc:
            log.warning("rate limit not applied: %s", exc)
            return
        if wait_ms:
            raise RateLimitedError(max(1, math.ceil(wait_ms / 1000)))

    # ------------------------------------------------------- managing keys

    def create_key(self, body: Any, creator: Caller) -> dict[str, Any]:
        """A new key: the answer is the only place its secret ever appears."""
        request = load_body(contract.KeyCreate, body)
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        created = key_life.create_key(
            self.keys,
            request.name.strip(),
            request.scope,
            request.rate_limit_per_minute,
            key_hash(secret),
            self.clock.now(),
            Audit(creator.id, "key_create"),
        )
        with self._lock:
            self._unknown.pop(key_hash(secret), None)
        return {**plain(created), "key": secret}

    def list_keys(self) -> dict[str, Any]:
        items = plain(self.keys.list())
        return {"items": items, "next_cursor": None, "total": len(items)}

    def revoke_key(self, key_id_: str, revoker: Caller) -> None:
        """Revoke a key and the keys it created, transitively (a key made with a leaked
        key goes with it); keys from API_KEYS are not created by any key."""
        revoked = key_life.revoke_key(
            self.keys, key_id_, self.clock.now(), Audit(revoker.id, "key_revoke")
        )
        ids = {key.id for key in revoked}
        with self._lock:  # refused on this instance from the next request on
            self._revoked.update(ids)
            for digest, (_, caller) in list(self._cache.items()):
                if caller.id in ids:
                    del self._cache[digest]

    @staticmethod
    def me(caller: Caller) -> dict[str, Any]:
        return {
            "id": caller.id,
            "name": caller.name,
            "scope": caller.scope,
            "rate_limit_per_minute": caller.rate_limit_per_minute,
            "bootstrap": caller.bootstrap,
        }
