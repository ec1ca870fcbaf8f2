"""A script call written to Redis now and answered later: the caller does other work
(a PostgreSQL round trip) while Redis runs it. Single-node Redis only; a cluster client
routes each command itself, and there a call is made the usual way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError

from jobsched.queue.redis_link import redis_errors


class SentCall:
    """One ``EVALSHA`` on a connection held from the client's pool until ``answer``.

    The connection goes back to the pool only once its reply is read (or it is
    disconnected), so no other command ever reads this call's reply."""

    def __init__(self, client: Redis, script: Script, keys: Sequence[str], args: Sequence[Any]):
        self._pool = client.connection_pool
        self._script = script
        self._keys, self._args = list(keys), list(args)
        self._conn: Any = self._pool.get_connection()
        try:
            self._conn.send_command(
                "EVALSHA", script.sha, len(self._keys), *self._keys, *self._args
            )
        except BaseException:
            self._close(broken=True)
            raise

    @classmethod
    @redis_errors
    def send(
        cls, client: Any, script: Script, keys: Sequence[str], args: Sequence[Any]
    ) -> SentCall | None:
        """The call, sent; None for a client that routes commands itself (a cluster)."""
        if not isinstance(client, Redis):
            return None
        return cls(client, script, keys, args)

    @redis_errors
    def answer(self) -> Any:
        """The script's reply (its errors raised as a call's would be). A server that no
        longer holds the script (restarted, flushed) gets it again, by the usual call."""
        try:
            reply = self._conn.read_response()
        except NoScriptError:
            self._close(broken=False)
            return self._script(keys=self._keys, args=self._args)
        except BaseException:
            self._close(broken=True)
            raise
        self._close(broken=False)
        return reply

    def _close(self, broken: bool) -> None:
        if self._conn is None:
            return
        if broken:
            self._conn.disconnect()  # its reply may still be on the way: never reused
        self._pool.release(self._conn)
        self._conn = None
