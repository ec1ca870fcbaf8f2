-- Claim up to N ready executions: each moves from ready to in-flight with a
-- deadline and a lease token, atomically.
-- KEYS[1] ready zset    KEYS[2] in-flight zset (score = deadline)
-- KEYS[3] leases hash (id -> token)    KEYS[4] deliveries hash (id -> count)
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    ARGV[3] max count
-- ARGV[4] token prefix (unique per call; token = prefix .. ':' .. n)
-- RETURNS flat list: id, token, deliveries, id, token, deliveries, ...
local deadline = tonumber(ARGV[1]) + tonumber(ARGV[2])
local ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[3]) - 1)
local out = {}
for n, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], string.format('%.0f', deadline), id)
  local token = ARGV[4] .. ':' .. n
  redis.call('HSET', KEYS[3], id, token)
  local deliveries = redis.call('HINCRBY', KEYS[4], id, 1)
  out[#out + 1] = id
  out[#out + 1] = token
  out[#out + 1] = deliveries
end
return out
