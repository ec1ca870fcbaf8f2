-- Make executions claimable again at once (manual retry, redrive): whatever an earlier
-- life of the id left behind (a lease still held by a cancelled copy, its cancel flag,
-- its delivery count, a delayed entry) is dropped, and the id goes to ready. The old
-- holder's next heartbeat finds its lease gone and stops.
-- KEYS[1] ready zset    KEYS[2] delayed zset    KEYS[3] in-flight zset
-- KEYS[4] leases hash    KEYS[5] owners hash    KEYS[6] meta hash
-- KEYS[7] deliveries hash    KEYS[8] cancel set    KEYS[9] seq counter
-- KEYS[10] limits hash (id -> '<cap>:<group>' lines, _batch.lua)
-- KEYS[11] handlers hash (id -> handler name)
-- KEYS[12] freed set (capped jobs whose runs left flight)
-- KEYS[13] parked hash (a parked id is waiting: it stays where it is)
-- KEYS[14] fairness hash (id -> fairness key)
-- ARGV groups of 5: id, priority (0-100), its limits entry ('': none), its fairness key
--   ('': none), handler ('': unknown)
-- RETURNS number of ids put in ready (ids already waiting there, or parked, stay where
-- they are)
local added = 0
for i = 1, #ARGV, 5 do
  local id, priority = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('ZSCORE', KEYS[3], id) then
    free_jobs(KEYS[10], KEYS[12], {id})
  end
  if ARGV[i + 2] ~= '' then
    redis.call('HSET', KEYS[10], id, ARGV[i + 2])
  else
    redis.call('HDEL', KEYS[10], id)
  end
  if ARGV[i + 3] ~= '' then
    redis.call('HSET', KEYS[14], id, ARGV[i + 3])
  end
  if ARGV[i + 4] ~= '' then
    redis.call('HSET', KEYS[11], id, ARGV[i + 4])
  end
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  redis.call('HDEL', KEYS[5], id)
  redis.call('HDEL', KEYS[7], id)
  redis.call('SREM', KEYS[8], id)
  redis.call('HSET', KEYS[6], id, priority)
  if not redis.call('ZSCORE', KEYS[1], id) and redis.call('HEXISTS', KEYS[13], id) == 0 then
    local seq = redis.call('INCR', KEYS[9])
    redis.call('ZADD', KEYS[1], ready_score(priority, seq), id)
    added = added + 1
  end
end
return added
