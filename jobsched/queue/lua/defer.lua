-- Runs a worker claimed ahead of their time and gives back before starting them (it
-- stops): in-flight -> delayed at their due time, lease holder only, so no other worker
-- starts one early; the claim does not count as a delivery.
-- KEYS[1] in-flight zset    KEYS[2] delayed zset    KEYS[3] leases hash
-- KEYS[4] deliveries hash    KEYS[5] owners hash
-- ARGV triples: id, token, due (ms)
-- RETURNS one integer per triple: 1 moved, 0 not the lease holder
local out = {}
for i = 1, #ARGV, 3 do
  local id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[3], id) == token then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('HINCRBY', KEYS[4], id, -1)
    redis.call('ZADD', KEYS[2], string.format('%.0f', tonumber(ARGV[i + 2])), id)
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
return out
