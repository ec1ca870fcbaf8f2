-- Claim up to N ready executions: each moves from ready to in-flight with a
-- deadline and a lease token, atomically, and is recorded as held by the caller.
-- Delayed executions whose time has come (runs staged ahead by the tick, runs for
-- later, retries past their backoff) become ready first: they start at their time,
-- by the claiming worker's clock, not at the tick's next pass; never before it, and
-- once (this script is atomic).
-- KEYS[1] ready zset    KEYS[2] in-flight zset (score = deadline)
-- KEYS[3] leases hash (id -> token)    KEYS[4] deliveries hash (id -> count)
-- KEYS[5] owners hash (id -> lease owner)    KEYS[6] beats zset (owner -> last beat ms)
-- KEYS[7] delayed zset (score = due ms)    KEYS[8] meta hash (id -> priority)
-- KEYS[9] seq counter
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    ARGV[3] max count
-- ARGV[4] token prefix (unique per call; token = prefix .. ':' .. n)
-- ARGV[5] lease owner (the claiming worker process; '' records none)
-- RETURNS flat list: id, token, deliveries, id, token, deliveries, ...
local deadline = tonumber(ARGV[1]) + tonumber(ARGV[2])
local owner = ARGV[5]
local due = redis.call('ZRANGEBYSCORE', KEYS[7], '-inf', ARGV[1], 'LIMIT', 0, 1000)
for _, id in ipairs(due) do
  local priority = tonumber(redis.call('HGET', KEYS[8], id) or '50')
  local seq = redis.call('INCR', KEYS[9])
  redis.call('ZREM', KEYS[7], id)
  redis.call('ZADD', KEYS[1], string.format('%.0f', (100 - priority) * 1e12 + seq), id)
end
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
local out = {}
for n, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], string.format('%.0f', deadline), id)
  local token = ARGV[4] .. ':' .. n
  redis.call('HSET', KEYS[3], id, token)
  local deliveries = redis.call('HINCRBY', KEYS[4], id, 1)
  if owner ~= '' then
    redis.call('HSET', KEYS[5], id, owner)
  end
  out[#out + 1] = id
  out[#out + 1] = token
  out[#out + 1] = deliveries
end
if #ids > 0 and owner ~= '' then
  -- Claiming is a sign of life: a worker that dies before its first heartbeat
  -- is still found by release_dead.
  redis.call('ZADD', KEYS[6], ARGV[1], owner)
end
return out
