-- Hand leased executions back to the front of their priority in ready.
-- KEYS[1] in-flight zset    KEYS[2] ready zset    KEYS[3] leases hash
-- KEYS[4] meta hash    KEYS[5] deliveries hash    KEYS[6] owners hash
-- KEYS[7] limits hash    KEYS[8] freed set (capped jobs whose runs left flight)
-- ARGV[1] 1 if the claim counts as a delivery (a stopping worker handed the run back
-- after starting it), 0 if not (the run never started), then pairs: id, token
-- RETURNS one integer per pair: 1 released, 0 not the lease holder
local out = {}
local moved = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[3], id) == token then
    local priority = tonumber(redis.call('HGET', KEYS[4], id) or '50')
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[3], id)
    redis.call('HDEL', KEYS[6], id)
    if ARGV[1] == '0' then
      redis.call('HINCRBY', KEYS[5], id, -1)
    end
    redis.call('ZADD', KEYS[2], ready_score(priority, 0), id)
    moved[#moved + 1] = id
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
end
free_jobs(KEYS[7], KEYS[8], moved)
return out
