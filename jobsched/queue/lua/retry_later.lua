-- A failed attempt waits out its backoff: in-flight -> delayed, lease holder only.
-- KEYS[1] in-flight zset    KEYS[2] delayed zset    KEYS[3] leases hash
-- KEYS[4] deliveries hash    KEYS[5] owners hash
-- KEYS[6] limits hash    KEYS[7] freed set (capped jobs whose runs left flight)
-- ARGV triples: id, token, due (ms)
-- RETURNS one integer per triple: 1 moved, 0 not the lease holder
local out = {}
local moved = {}
for i = 1, #ARGV, 3 do
  local id, token, due = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  if redis.call('HGET', KEYS[3], id) == token then
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[5], id)
    -- A deliberate retry is not a crash: the poison counter starts again.
    redis.call('HDEL', KEYS[4], id)
    redis.call('ZADD', KEYS[2], string.format('%.0f', due), id)
    moved[#moved + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
free_jobs(KEYS[6], KEYS[7], moved)
return out
