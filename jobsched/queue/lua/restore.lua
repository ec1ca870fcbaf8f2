-- Rebuild: put back executions PostgreSQL says are running, under the lease token
-- PostgreSQL recorded, so a live worker's next heartbeat keeps its lease (and records
-- itself as the owner) and a dead one's is released like any dead worker's. Idempotent
-- like enqueue.
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] meta hash
-- KEYS[4] owners hash    KEYS[5] beats zset
-- ARGV[1] deadline (ms)    ARGV[2] now (ms), then triples: id, priority, token
-- RETURNS number of ids restored
local owner = 'restored:' .. ARGV[2]
local added = 0
for i = 3, #ARGV, 3 do
  local id, priority, token = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HSETNX', KEYS[3], id, priority) == 1 then
    redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(ARGV[1])), id)
    redis.call('HSET', KEYS[2], id, token)
    redis.call('HSET', KEYS[4], id, owner)
    added = added + 1
  end
end
if added > 0 then
  -- Restored leases count as seen now; their real owner claims them on its next beat.
  redis.call('ZADD', KEYS[5], ARGV[2], owner)
end
return added
