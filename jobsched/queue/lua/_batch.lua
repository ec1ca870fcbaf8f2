-- Prepended to every script (jobsched/queue/scripts.py). Many members of one key in
-- one variadic call (ZADD, ZREM, HSET, HDEL, HMGET, ...) instead of one call per
-- member: a batch of N runs costs a few calls per key, not a few per run. Chunked,
-- because unpack() is bounded by Lua's stack (LUAI_MAXCSTACK, 8000); chunks are even
-- so field/value and score/member pairs never straddle two calls.
local CHUNK = 4000

local function batched(command, key, args)
  for s = 1, #args, CHUNK do
    redis.call(command, key, unpack(args, s, math.min(s + CHUNK - 1, #args)))
  end
end

-- Appends a field/value or score/member pair to the arguments of a batched call.
local function pair(args, a, b)
  args[#args + 1] = a
  args[#args + 1] = b
end

-- HMGET (or ZMSCORE) over any number of fields, in their order; missing ones are false.
local function fetched(command, key, fields)
  local out = {}
  for s = 1, #fields, CHUNK do
    local e = math.min(s + CHUNK - 1, #fields)
    local part = redis.call(command, key, unpack(fields, s, e))
    for j = 1, e - s + 1 do
      out[s + j - 1] = part[j]
    end
  end
  return out
end


-- Names the capped jobs of these runs (those with a limits entry) in the freed set:
-- they left flight or the queue, so the next claim releases as many of the job's
-- parked runs as it has room for (claim.lua). Call it before the limits entries go.
local function free_jobs(limits_key, freed_key, ids)
  if #ids == 0 then
    return
  end
  local limits = fetched('HMGET', limits_key, ids)
  local jobs = {}
  for n = 1, #ids do
    local limit = limits[n]
    if limit then
      jobs[#jobs + 1] = string.sub(limit, string.find(limit, ':', 1, true) + 1)
    end
  end
  batched('SADD', freed_key, jobs)
end
