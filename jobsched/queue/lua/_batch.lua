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


-- A run's limits entry, '<cap>:<group>' lines: its job's max_concurrency
-- ('<cap>:<job id>') and its concurrency key's limit ('<limit>:@<key>'), one line each
-- (a key holds no newline: jobsched/domain/flow.py), and its rate key's
-- '<limit>/<period ms>:~<key>' (at most limit starts per period). Each group has its
-- in-flight set (a rate group: its window of starts, a zset) and its parked zset; a run
-- starts only while every group of its entry has room.
-- RETURNS {cap, group, period (ms; nil: not a rate)} per line
local function limit_groups(limit)
  local out = {}
  if not limit then
    return out
  end
  for line in string.gmatch(limit, '[^\n]+') do
    local sep = string.find(line, ':', 1, true) or 0
    local head = string.sub(line, 1, sep - 1)
    if string.sub(line, 1, 1) == '!' then
      -- '!exact': limits nothing; an entry makes its run never claimed ahead (claim.lua)
    elseif string.find(head, '/', 1, true) then
      local slash = string.find(head, '/', 1, true)
      out[#out + 1] = {tonumber(string.sub(head, 1, slash - 1)), string.sub(line, sep + 1),
        tonumber(string.sub(head, slash + 1))}
    else
      out[#out + 1] = {tonumber(head), string.sub(line, sep + 1)}
    end
  end
  return out
end

-- A limits entry with its job's cap set to cap (0: none), its other groups kept; ''
-- when nothing is left.
local function with_job_cap(limit, cap, job)
  local lines = {}
  if tonumber(cap) > 0 then
    lines[1] = cap .. ':' .. job
  end
  for _, g in ipairs(limit_groups(limit)) do
    if g[2] ~= job then
      lines[#lines + 1] = g[1] .. (g[3] and ('/' .. g[3]) or '') .. ':' .. g[2]
    end
  end
  if limit and string.find(limit, '!exact', 1, true) then
    lines[#lines + 1] = '!exact'
  end
  return table.concat(lines, '\n')
end

-- The cap a limits entry sets for one group (nil: none).
local function group_cap(limit, group)
  for _, g in ipairs(limit_groups(limit)) do
    if g[2] == group then
      return g[1]
    end
  end
  return nil
end

-- Names the groups (capped jobs, concurrency keys) of these runs in the freed set: they
-- left flight or the queue, so the next claim releases as many of the group's parked
-- runs as it has room for (claim.lua): a key's slot is handed on in the script that
-- frees it, with no polling delay. Call it before the limits entries go.
local function free_jobs(limits_key, freed_key, ids)
  if #ids == 0 then
    return
  end
  local limits = fetched('HMGET', limits_key, ids)
  local groups = {}
  for n = 1, #ids do
    for _, g in ipairs(limit_groups(limits[n])) do
      if not g[3] then  -- a rate's window frees by time, not by a run leaving
        groups[#groups + 1] = g[2]
      end
    end
  end
  batched('SADD', freed_key, groups)
end
