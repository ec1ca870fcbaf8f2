-- Heartbeat: push the deadline of leases the caller still holds, record that their
-- owner is alive, and report which of them were asked to cancel.
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] cancel set
-- KEYS[4] owners hash (id -> lease owner)    KEYS[5] beats zset (owner -> last beat ms)
-- KEYS[6] epoch marker (absent: Redis lost the queue and the tick has not rebuilt it)
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    ARGV[3] lease owner ('' = none)
-- then pairs: id, token
-- RETURNS one integer per pair: 0 lease lost (requeued, or held under another token),
-- 1 extended, 2 extended + cancel requested, 3 unknown (Redis lost the queue; the
-- tick's rebuild restores the lease PostgreSQL recorded)
local deadline = tonumber(ARGV[1]) + tonumber(ARGV[2])
local owner = ARGV[3]
local rebuilt = redis.call('EXISTS', KEYS[6]) == 1
local out = {}
for i = 4, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local held = redis.call('HGET', KEYS[2], id)
  if held == token then
    redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', deadline), id)
    if owner ~= '' then
      -- Also claims leases a rebuild restored without knowing their owner.
      redis.call('HSET', KEYS[4], id, owner)
    end
    if redis.call('SISMEMBER', KEYS[3], id) == 1 then
      out[#out + 1] = 2
    else
      out[#out + 1] = 1
    end
  elseif not held and not rebuilt then
    out[#out + 1] = 3
  else
    out[#out + 1] = 0
  end
end
if owner ~= '' then
  redis.call('ZADD', KEYS[5], ARGV[1], owner)
end
return out
