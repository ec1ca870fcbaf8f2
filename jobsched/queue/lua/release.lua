-- A stopping worker hands leases back: in-flight -> front of its priority in ready.
-- KEYS[1] in-flight zset    KEYS[2] ready zset    KEYS[3] leases hash
-- KEYS[4] meta hash    KEYS[5] deliveries hash
-- ARGV pairs: id, token
-- RETURNS one integer per pair: 1 released, 0 not the lease holder
local out = {}
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[3], id) == token then
    local priority = tonumber(redis.call('HGET', KEYS[4], id) or '50')
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HINCRBY', KEYS[5], id, -1)
    redis.call('ZADD', KEYS[2], string.format('%.0f', (100 - priority) * 1e12), id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
