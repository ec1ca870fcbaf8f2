-- Retries whose backoff has passed move from delayed to ready.
-- KEYS[1] delayed zset    KEYS[2] ready zset    KEYS[3] meta hash    KEYS[4] seq counter
-- ARGV[1] now (ms)    ARGV[2] max count
-- RETURNS the ids promoted
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  local priority = tonumber(redis.call('HGET', KEYS[3], id) or '50')
  local seq = redis.call('INCR', KEYS[4])
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], ready_score(priority, seq), id)
end
return ids
