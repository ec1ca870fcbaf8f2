-- Rebuild: put back executions PostgreSQL says are running, under the lease token
-- PostgreSQL recorded, so a live worker's next heartbeat keeps its lease and a dead
-- one's lapses as usual. Idempotent like enqueue.
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] meta hash
-- ARGV[1] deadline (ms), then triples: id, priority, token
-- RETURNS number of ids restored
local added = 0
for i = 2, #ARGV, 3 do
  local id, priority, token = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  if redis.call('HSETNX', KEYS[3], id, priority) == 1 then
    redis.call('ZADD', KEYS[1], string.format('%.0f', tonumber(ARGV[1])), id)
    redis.call('HSET', KEYS[2], id, token)
    added = added + 1
  end
end
return added
