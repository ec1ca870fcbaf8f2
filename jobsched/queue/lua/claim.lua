-- Claim up to N ready executions: each moves from ready to in-flight with a
-- deadline and a lease token, atomically, and is recorded as held by the caller.
-- Delayed executions whose time has come (runs staged ahead by the tick, runs for
-- later, retries past their backoff) become ready first: they start at their time,
-- by the claiming worker's clock, not at the tick's next pass; never before it, and
-- once (this script is atomic).
-- Limits are enforced here, across all workers of the pool: the pool's concurrency
-- (runs in flight), its rate (claims per window) and each job's max_concurrency.
-- Runs that cannot start now never hide runs that can: a run of a job at its cap is
-- parked (moved out of ready into the job's parked zset, keeping its score), and so
-- is a run of a handler no live worker of the pool serves (into the handler's); both
-- are recorded in the held hash with why. Parked runs come back to ready, in their
-- order, when their job's runs leave flight (the leaving scripts name the job in the
-- freed set; this script releases as many as the job has room for) or when a worker
-- serving their handler claims. A run of a handler another live worker serves is
-- passed over (it keeps its place), within a bounded look-ahead.
-- KEYS[1] ready zset    KEYS[2] in-flight zset (score = deadline)
-- KEYS[3] leases hash (id -> token)    KEYS[4] deliveries hash (id -> count)
-- KEYS[5] owners hash (id -> lease owner)    KEYS[6] beats zset (owner -> last beat ms)
-- KEYS[7] limits hash (id -> '<cap>:<group>' lines: its job's max_concurrency as
--   '<cap>:<job id>', its concurrency key's limit as '<limit>:@<key>'; _batch.lua)
-- KEYS[8] rate zset (claim token -> claim time ms)    KEYS[9] held hash (id -> why)
-- KEYS[10] handlers hash (id -> handler name)
-- KEYS[11] delayed zset (score = due ms)    KEYS[12] meta hash (id -> priority)
-- KEYS[13] seq counter
-- KEYS[14] parked hash (id -> 'job:<group>' | 'handler:<name>'); the parked zsets
--   are named '<KEYS[14]>:job:<group>' and '<KEYS[14]>:handler:<name>' (same slot); a
--   group is a capped job's id or '@<concurrency key>'
-- (Limits, parking and release work alike for both kinds of group: a run waits in the
--   parked zset of the first group of its entry that is full, and comes back to ready
--   when that group's runs leave flight.)
-- KEYS[15] parked handlers set (names with parked runs)
-- KEYS[16] freed set (groups whose runs left flight since the last claim)
-- KEYS[17] served zset (handler name, or '*' for a worker serving any -> last claim ms)
-- KEYS[18] this call's reply, under its token prefix: the same call sent again (its
--   reply lost on the way) gets the same leases instead of leasing a second batch
-- KEYS[19] parked jobs set (groups with parked runs)
-- KEYS[20] turns hash    KEYS[21] fair clock    KEYS[22] fairness hash (id -> key):
--   fair order within a priority (_score.lua); the clock moves to the turn of the
--   last run taken
-- KEYS[23] rate-parked set (rate groups '~<key>' with parked runs: each claim releases
--   as many as the group's window has room for)
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    ARGV[3] max count
-- ARGV[4] token prefix (unique per call; token = prefix .. ':' .. n)
-- ARGV[5] lease owner (the claiming worker process; '' records none)
-- ARGV[6] pool concurrency (0: none)    ARGV[7] rate: claims per window (0: none)
-- ARGV[8] rate window (ms)    ARGV[9] prefix of the per-group in-flight sets (a set
--   '<prefix><group>' per capped job or concurrency key, in this pool's hash slot)
-- ARGV[10] the handlers the worker serves, one per line ('': any)
-- ARGV[11] how long a claim keeps its handlers served (ms): a handler no worker
--   claimed for within it has no live worker
-- ARGV[12] claim ahead until (ms; <= now: not at all): delayed runs due by then are
--   claimed too, before their time, for the worker to hold under their leases and start
--   at their due time (jobsched/worker_ahead.py). Only runs that could start now: of no
--   capped job, of a handler the worker serves; within the pool's concurrency room.
-- ARGV[13] how many runs at most to claim ahead
-- RETURNS flat list: id, token, deliveries, due (ms; 0: due now), id, token, ...
local replied = redis.call('GET', KEYS[18])
if replied then
  return cjson.decode(replied)
end
local now = tonumber(ARGV[1])
local deadline = now + tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local owner = ARGV[5]
local parked_prefix = KEYS[14] .. ':'
local due = redis.call('ZRANGEBYSCORE', KEYS[11], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #due > 0 then
  local priorities = fetched('HMGET', KEYS[12], due)
  local fair = fetched('HMGET', KEYS[22], due)
  local seq = redis.call('INCRBY', KEYS[13], #due) - #due
  local entries = {}
  for n = 1, #due do
    entries[n] = {priorities[n] or '50', fair[n] or ''}
  end
  local turns = fair_turns(KEYS[20], KEYS[21], entries, seq)
  local ready = {}
  for n, id in ipairs(due) do
    pair(ready, ready_score(tonumber(priorities[n] or '50'), turns[n]), id)
  end
  batched('ZREM', KEYS[11], due)
  batched('ZADD', KEYS[1], ready)
end

-- Parked runs go back to ready with the score they had, so order is kept.
local function unpark(group, first, last)
  local key = parked_prefix .. group
  local entries = redis.call('ZRANGE', key, first, last, 'WITHSCORES')
  if #entries == 0 then
    return 0
  end
  local ids, back = {}, {}
  for i = 1, #entries, 2 do
    ids[#ids + 1] = entries[i]
    pair(back, entries[i + 1], entries[i])
  end
  batched('ZREM', key, ids)
  batched('HDEL', KEYS[14], ids)
  batched('ZADD', KEYS[1], back)
  return #ids
end

-- A capped job's runs in flight, forgetting those that left flight since.
local running = {}
local function in_flight(job_key)
  if running[job_key] == nil then
    for _, member in ipairs(redis.call('SMEMBERS', job_key)) do
      if not redis.call('ZSCORE', KEYS[2], member) then
        redis.call('SREM', job_key, member)
      end
    end
    running[job_key] = redis.call('SCARD', job_key)
  end
  return running[job_key]
end

-- Groups whose runs left flight: release as many parked runs as each has room for.
for _, job in ipairs(redis.call('SMEMBERS', KEYS[16])) do
  local group = 'job:' .. job
  local first = redis.call('ZRANGE', parked_prefix .. group, 0, 0)
  if #first == 0 then
    redis.call('SREM', KEYS[19], job)
  else
    local cap = group_cap(redis.call('HGET', KEYS[7], first[1]), job)
    if not cap then
      unpark(group, 0, -1)  -- its cap was lifted
    else
      local room = cap - in_flight(ARGV[9] .. job)
      if room > 0 then
        unpark(group, 0, room - 1)
      end
    end
  end
end
redis.call('DEL', KEYS[16])

-- A rate group's starts within its period (its window pruned once per call).
local starts = {}
local function started(group, period)
  if starts[group] == nil then
    local key = ARGV[9] .. group
    redis.call('ZREMRANGEBYSCORE', key, '-inf', now - period)
    starts[group] = redis.call('ZCARD', key)
  end
  return starts[group]
end

-- Rate groups whose window may have room again: release that many parked runs.
for _, rated in ipairs(redis.call('SMEMBERS', KEYS[23])) do
  local group = 'job:' .. rated
  local first = redis.call('ZRANGE', parked_prefix .. group, 0, 0)
  if #first == 0 then
    redis.call('SREM', KEYS[23], rated)
  else
    local limit, period = nil, nil
    for _, g in ipairs(limit_groups(redis.call('HGET', KEYS[7], first[1]))) do
      if g[2] == rated then
        limit, period = g[1], g[3]
      end
    end
    if not limit then
      unpark(group, 0, -1)
    else
      local room = limit - started(rated, period)
      if room > 0 then
        unpark(group, 0, room - 1)
      end
    end
  end
end

-- This worker's handlers are served now: their parked runs come back.
local serves = nil
local ttl = tonumber(ARGV[11])
redis.call('ZREMRANGEBYSCORE', KEYS[17], '-inf', now - ttl)
if ARGV[10] ~= '' then
  serves = {}
  local seen = {}
  for name in string.gmatch(ARGV[10], '[^\n]+') do
    serves[name] = true
    pair(seen, now, name)
  end
  batched('ZADD', KEYS[17], seen)
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[15])) do
    if serves[name] then
      unpark('handler:' .. name, 0, -1)
      redis.call('SREM', KEYS[15], name)
    end
  end
else
  redis.call('ZADD', KEYS[17], now, '*')
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[15])) do
    unpark('handler:' .. name, 0, -1)
  end
  redis.call('DEL', KEYS[15])
end
local any_served = redis.call('ZSCORE', KEYS[17], '*')

local pool_max, rate_n, rate_ms = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local pool_why = false
local pool_room = nil
if pool_max > 0 then
  local room = pool_max - redis.call('ZCARD', KEYS[2])
  pool_room = room
  if room < count then
    count = room
    pool_why = 'the pool is at its concurrency limit (' .. pool_max .. ')'
  end
end
if rate_n > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[8], '-inf', now - rate_ms)
  local room = rate_n - redis.call('ZCARD', KEYS[8])
  if room < count then
    count = room
    pool_why = 'the pool is at its rate limit (' .. rate_n .. ' per ' .. rate_ms .. ' ms)'
  end
end
if pool_why then
  redis.call('HSET', KEYS[9], '*', pool_why)
else
  redis.call('HDEL', KEYS[9], '*')
end
local out = {}
local ahead_until, ahead_n = tonumber(ARGV[12] or '0'), tonumber(ARGV[13] or '0')
if ahead_until <= now or rate_n > 0 then
  ahead_n = 0  -- a rate counts claims, not starts: runs held ahead could start in a burst
end
if count < 0 then
  count = 0
end
if count == 0 and ahead_n <= 0 then
  return out
end

-- Walk ready from the front. Parked runs leave ready, so each is looked at once
-- per park; only runs passed over in place (another live worker's handler) count
-- against the look-ahead, and a call parks a bounded number (the next one goes on).
local window = count * 4 + 50
local max_parked = 2000
local live = {}
local taken, held = {}, {}
local passed, parked_n, start = 0, 0, 0
local parked_ids, parked_groups = {}, {}
local clock = tonumber(redis.call('GET', KEYS[21]) or '0')
local clock_was = clock
while #taken < count and passed < window and parked_n < max_parked do
  local entries = redis.call('ZRANGE', KEYS[1], start, start + window - 1, 'WITHSCORES')
  if #entries == 0 then
    break
  end
  start = start + window
  local ids, scores = {}, {}
  for i = 1, #entries, 2 do
    ids[#ids + 1] = entries[i]
    scores[#scores + 1] = entries[i + 1]
  end
  local limits = fetched('HMGET', KEYS[7], ids)
  local handlers = serves and fetched('HMGET', KEYS[10], ids) or {}
  for n, id in ipairs(ids) do
    if #taken >= count or passed >= window or parked_n >= max_parked then
      break
    end
    local groups = limit_groups(limits[n])
    local cap, job = nil, nil  -- the first full group, if any
    local per = nil
    for _, g in ipairs(groups) do
      if not cap then
        local used = g[3] and started(g[2], g[3]) or in_flight(ARGV[9] .. g[2])
        if used >= g[1] then
          cap, job, per = g[1], g[2], g[3]
        end
      end
    end
    local handler = handlers[n]
    local group = nil
    if handler and not serves[handler] then
      if live[handler] == nil then
        live[handler] = any_served ~= false or redis.call('ZSCORE', KEYS[17], handler) ~= false
      end
      if live[handler] then
        pair(held, id, 'a worker that does not serve ' .. handler .. ' passed it over')
        passed = passed + 1
      else
        group = 'handler:' .. handler
        pair(held, id, 'no live worker of its pool serves ' .. handler)
        redis.call('SADD', KEYS[15], handler)
      end
    elseif cap and per then
      group = 'job:' .. job
      redis.call('SADD', KEYS[23], job)
      pair(held, id, 'its rate key ' .. string.sub(job, 2) .. ' is at its limit (' .. cap
        .. ' per ' .. per .. ' ms)')
    elseif cap then
      group = 'job:' .. job
      redis.call('SADD', KEYS[19], job)
      if string.sub(job, 1, 1) == '@' then
        pair(held, id, 'its concurrency key ' .. string.sub(job, 2) .. ' is at its limit ('
          .. cap .. ')')
      else
        pair(held, id, 'its job is at its max_concurrency (' .. cap .. ')')
      end
    else
      taken[#taken + 1] = id
      for _, g in ipairs(groups) do
        local job_key = ARGV[9] .. g[2]
        if g[3] then
          redis.call('ZADD', job_key, now, id .. ':' .. now)
          redis.call('PEXPIRE', job_key, g[3] + 1000)
          starts[g[2]] = starts[g[2]] + 1
        else
          redis.call('SADD', job_key, id)
          running[job_key] = running[job_key] + 1
        end
      end
      clock = math.max(clock, score_seq(tonumber(scores[n])))
    end
    if group then
      redis.call('ZADD', parked_prefix .. group, scores[n], id)
      parked_ids[#parked_ids + 1] = id
      pair(parked_groups, id, group)
      parked_n = parked_n + 1
    end
  end
end
if clock > clock_was then
  redis.call('SET', KEYS[21], string.format('%.0f', clock))
end
batched('HSET', KEYS[9], held)
batched('ZREM', KEYS[1], parked_ids)
batched('HSET', KEYS[14], parked_groups)

-- Runs due soon, claimed ahead of their time. Left where they are (promoted when due,
-- by a claim as any delayed run): a capped job's (held ahead, it would keep its cap from
-- runs due now) and a handler's this worker does not serve. Only when the worker could
-- take every ready run it may: a run waiting now never goes behind a run due later.
local ready_n = #taken
local dues = {}
if ready_n >= count and (count > 0 or redis.call('ZCARD', KEYS[1]) > 0) then
  ahead_n = 0
end
if ahead_n > 0 and pool_room then
  ahead_n = math.min(ahead_n, pool_room - ready_n)  -- held ahead, they count in flight
end
if ahead_n > 0 then
  local soon = redis.call('ZRANGEBYSCORE', KEYS[11], '(' .. ARGV[1], ahead_until,
    'WITHSCORES', 'LIMIT', 0, ahead_n * 2 + 10)
  local ids, scores = {}, {}
  for i = 1, #soon, 2 do
    ids[#ids + 1] = soon[i]
    scores[#scores + 1] = soon[i + 1]
  end
  local early = {}
  if #ids > 0 then
    local limits = fetched('HMGET', KEYS[7], ids)
    local handlers = serves and fetched('HMGET', KEYS[10], ids) or {}
    for n, id in ipairs(ids) do
      if #early >= ahead_n then
        break
      end
      local handler = handlers[n]
      if not limits[n] and not (handler and not serves[handler]) then
        early[#early + 1] = id
        taken[#taken + 1] = id
        dues[#taken] = scores[n]
      end
    end
  end
  batched('ZREM', KEYS[11], early)
end
if #taken == 0 then
  return out
end
local score = string.format('%.0f', deadline)
local counts = fetched('HMGET', KEYS[4], taken)
local inflight, leases, deliveries, owners, rate = {}, {}, {}, {}, {}
for n, id in ipairs(taken) do
  local token = ARGV[4] .. ':' .. n
  local delivered = tonumber(counts[n] or '0') + 1
  pair(inflight, score, id)
  pair(leases, id, token)
  pair(deliveries, id, delivered)
  pair(owners, id, owner)
  pair(rate, now, token)
  out[#out + 1] = id
  out[#out + 1] = token
  out[#out + 1] = delivered
  out[#out + 1] = dues[n] or 0
end
batched('ZREM', KEYS[1], taken)
batched('HDEL', KEYS[9], taken)
batched('ZADD', KEYS[2], inflight)
batched('HSET', KEYS[3], leases)
batched('HSET', KEYS[4], deliveries)
if owner ~= '' then
  batched('HSET', KEYS[5], owners)
  -- Claiming is a sign of life: a worker that dies before its first heartbeat
  -- is still found by release_dead.
  redis.call('ZADD', KEYS[6], ARGV[1], owner)
end
if rate_n > 0 then
  batched('ZADD', KEYS[8], rate)
end
redis.call('SET', KEYS[18], cjson.encode(out), 'PX', 60000)
return out
