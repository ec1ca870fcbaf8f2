-- Rebuild: put back executions PostgreSQL says are running, under the lease token
-- PostgreSQL recorded, so a live worker's next heartbeat keeps its lease (and records
-- itself as the owner) and a dead one's is released like any dead worker's. Idempotent
-- like enqueue.
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] meta hash
-- KEYS[4] owners hash    KEYS[5] beats zset    KEYS[6] limits hash
-- ARGV[1] deadline (ms)    ARGV[2] now (ms)    ARGV[3] prefix of the per-group
--   in-flight sets (claim.lua), then groups of 4: id, priority, token, its limits
--   entry ('': none). A restored run holds its job's and its key's slots again (it is
--   in their in-flight sets): limits hold across the rebuild.
-- RETURNS number of ids restored
local owner = 'restored:' .. ARGV[2]
local added = 0
for i = 4, #ARGV, 4 do
  local id, priority, token = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HSETNX', KEYS[3], id, priority) == 1 then
    redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(ARGV[1])), id)
    redis.call('HSET', KEYS[2], id, token)
    redis.call('HSET', KEYS[4], id, owner)
    if ARGV[i + 3] ~= '' then
      redis.call('HSET', KEYS[6], id, ARGV[i + 3])
      for _, g in ipairs(limit_groups(ARGV[i + 3])) do
        if not g[3] then
          redis.call('SADD', ARGV[3] .. g[2], id)
        end
      end
    end
    added = added + 1
  end
end
if added > 0 then
  -- Restored leases count as seen now; their real owner claims them on its next beat.
  redis.call('ZADD', KEYS[5], ARGV[2], owner)
end
return added
