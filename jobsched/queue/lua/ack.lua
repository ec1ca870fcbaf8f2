-- Finish executions: forget them entirely, but only for the current lease holder
-- (a stale worker's late ack changes nothing).
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] deliveries hash
-- KEYS[4] meta hash    KEYS[5] cancel set    KEYS[6] owners hash    KEYS[7] limits hash
-- KEYS[8] handlers hash
-- ARGV pairs: id, token
-- RETURNS one integer per pair: 1 acked, 0 not the lease holder
local out = {}
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[2], id) == token then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    redis.call('SREM', KEYS[5], id)
    redis.call('HDEL', KEYS[6], id)
    redis.call('HDEL', KEYS[7], id)
    redis.call('HDEL', KEYS[8], id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
