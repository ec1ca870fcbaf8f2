-- A job's max_concurrency changed (PUT /jobs): every run of it the queue holds takes
-- the new cap (a run no claim has looked at yet would otherwise keep the old one, or
-- none), and its parked runs go back to ready with the scores they had (their order
-- kept); the next claim parks again those still over the cap.
-- KEYS[1] ready zset    KEYS[2] parked hash (id -> group; the job's zset is
--   '<KEYS[2]>:job:<job id>')    KEYS[3] limits hash (id -> '<max_concurrency>:<job id>')
-- KEYS[4] parked jobs set    KEYS[5] meta hash (id -> priority: every id the queue holds)
-- KEYS[6] in-flight zset    KEYS[7] the job's in-flight set (claim.lua counts it)
-- ARGV[1] job id    ARGV[2] its new max_concurrency (0: none)
-- ARGV[3..] the job's unfinished run ids (PostgreSQL's list; ids the queue does not
--   hold are left alone)
-- RETURNS number of runs moved back to ready
if #ARGV > 2 then
  local runs = {}
  for i = 3, #ARGV do
    runs[#runs + 1] = ARGV[i]
  end
  local held = fetched('HMGET', KEYS[5], runs)
  local flying = fetched('ZMSCORE', KEYS[6], runs)
  local capped, ids, running = {}, {}, {}
  for n, id in ipairs(runs) do
    if held[n] then
      pair(capped, id, ARGV[2] .. ':' .. ARGV[1])
      ids[#ids + 1] = id
      if flying[n] then
        running[#running + 1] = id -- a cap new to the job counts what already runs
      end
    end
  end
  if tonumber(ARGV[2]) > 0 then
    batched('HSET', KEYS[3], capped)
    batched('SADD', KEYS[7], running)
  else
    batched('HDEL', KEYS[3], ids)
  end
end
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
