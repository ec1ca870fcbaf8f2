-- A job's max_concurrency changed (PUT /jobs): its parked runs take the new cap and
-- go back to ready with the scores they had (their order kept); the next claim parks
-- again those still over the cap.
-- KEYS[1] ready zset    KEYS[2] parked hash (id -> group; the job's zset is
--   '<KEYS[2]>:job:<job id>')    KEYS[3] limits hash (id -> '<max_concurrency>:<job id>')
-- KEYS[4] parked jobs set
-- ARGV[1] job id    ARGV[2] its new max_concurrency (0: none)
-- RETURNS number of runs moved back to ready
local key = KEYS[2] .. ':job:' .. ARGV[1]
local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local ids, back, limits = {}, {}, {}
for i = 1, #entries, 2 do
  ids[#ids + 1] = entries[i]
  pair(back, entries[i + 1], entries[i])
  pair(limits, entries[i], ARGV[2] .. ':' .. ARGV[1])
end
if #ids == 0 then
  return 0
end
if tonumber(ARGV[2]) > 0 then
  batched('HSET', KEYS[3], limits)
else
  batched('HDEL', KEYS[3], ids)
end
batched('HDEL', KEYS[2], ids)
batched('ZADD', KEYS[1], back)
redis.call('DEL', key)
redis.call('SREM', KEYS[4], ARGV[1])
return #ids
