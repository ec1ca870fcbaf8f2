-- A job's max_concurrency changed (PUT /jobs): every run of it the queue holds takes
-- the new cap (a run no claim has looked at yet would otherwise keep the old one, or
-- none), and its parked runs go back to ready with the scores they had (their order
-- kept); the next claim parks again those still over the cap.
-- KEYS[1] ready zset    KEYS[2] parked hash (id -> group; the job's zset is
--   '<KEYS[2]>:job:<job id>')    KEYS[3] limits hash (id -> '<cap>:<group>' lines; a
--   run's concurrency-key line is kept)
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
  local before = fetched('HMGET', KEYS[3], runs)
  local capped, ids, running = {}, {}, {}
  for n, id in ipairs(runs) do
    if held[n] then
      local entry = with_job_cap(before[n], ARGV[2], ARGV[1])
      if entry ~= '' then
        pair(capped, id, entry)
      else
        ids[#ids + 1] = id
      end
      if flying[n] then
        running[#running + 1] = id -- a cap new to the job counts what already runs
      end
    end
  end
  batched('HSET', KEYS[3], capped)
  batched('HDEL', KEYS[3], ids)
  if tonumber(ARGV[2]) > 0 then
    batched('SADD', KEYS[7], running)
  end
end
local key = KEYS[2] .. ':job:' .. ARGV[1]
local entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
local ids, back = {}, {}
for i = 1, #entries, 2 do
  ids[#ids + 1] = entries[i]
  pair(back, entries[i + 1], entries[i])
end
if #ids == 0 then
  return 0
end
local before = fetched('HMGET', KEYS[3], ids)
local limits, bare = {}, {}
for n, id in ipairs(ids) do
  local entry = with_job_cap(before[n], ARGV[2], ARGV[1])
  if entry ~= '' then
    pair(limits, id, entry)
  else
    bare[#bare + 1] = id
  end
end
batched('HSET', KEYS[3], limits)
batched('HDEL', KEYS[3], bare)
batched('HDEL', KEYS[2], ids)
batched('ZADD', KEYS[1], back)
redis.call('DEL', key)
redis.call('SREM', KEYS[4], ARGV[1])
return #ids
