-- Cancel executions: one waiting in ready/delayed, or parked (claim.lua), is removed
-- outright; one in flight is flagged so its worker's next heartbeat learns to stop it.
-- KEYS[1] ready zset    KEYS[2] delayed zset    KEYS[3] in-flight zset
-- KEYS[4] meta hash     KEYS[5] deliveries hash  KEYS[6] cancel set
-- KEYS[7] limits hash    KEYS[8] held hash    KEYS[9] handlers hash
-- KEYS[10] parked hash (id -> group; the group's zset is '<KEYS[10]>:<group>')
-- KEYS[11] freed set (groups with room for a parked run)
-- KEYS[12] fairness hash (id -> fairness key)
-- ARGV ids
-- RETURNS one integer per id: 2 flagged (running), 1 removed, 0 unknown
local out = {}
for _, id in ipairs(ARGV) do
  local group = redis.call('HGET', KEYS[10], id)
  local removed = 0
  if group then
    removed = redis.call('ZREM', KEYS[10] .. ':' .. group, id)
    redis.call('HDEL', KEYS[10], id)
  end
  if redis.call('ZSCORE', KEYS[3], id) then
    redis.call('SADD', KEYS[6], id)
    out[#out + 1] = 2
  elseif removed + redis.call('ZREM', KEYS[1], id) + redis.call('ZREM', KEYS[2], id) > 0 then
    if not group then
      -- A ready run of a capped job may have been released for a slot it now frees.
      free_jobs(KEYS[7], KEYS[11], {id})
    end
    redis.call('HDEL', KEYS[4], id)
    redis.call('HDEL', KEYS[5], id)
    redis.call('HDEL', KEYS[7], id)
    redis.call('HDEL', KEYS[8], id)
    redis.call('HDEL', KEYS[9], id)
    redis.call('HDEL', KEYS[12], id)
    out[#out + 1] = 1
  else
    redis.call('HDEL', KEYS[4], id)
    out[#out + 1] = 0
  end
end
return out
