-- Leases whose deadline passed (the worker died or hung) go back to the front of
-- their priority in ready; their tokens are revoked so the old holder is stale.
-- KEYS[1] in-flight zset    KEYS[2] ready zset    KEYS[3] leases hash
-- KEYS[4] meta hash    KEYS[5] owners hash
-- KEYS[6] limits hash    KEYS[7] freed set (capped jobs whose runs left flight)
-- ARGV[1] now (ms)    ARGV[2] max count
-- RETURNS the ids requeued
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local priority = tonumber(redis.call('HGET', KEYS[4], id) or '50')
  redis.call('ZREM', KEYS[1], id)
  redis.call('HDEL', KEYS[3], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('ZADD', KEYS[2], ready_score(priority, 0), id)
end
free_jobs(KEYS[6], KEYS[7], ids)
return ids
