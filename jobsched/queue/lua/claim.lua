-- Claim up to N ready executions: each moves from ready to in-flight with a
-- deadline and a lease token, atomically, and is recorded as held by the caller.
-- Delayed executions whose time has come (runs staged ahead by the tick, runs for
-- later, retries past their backoff) become ready first: they start at their time,
-- by the claiming worker's clock, not at the tick's next pass; never before it, and
-- once (this script is atomic).
-- Limits are enforced here, across all workers of the pool: the pool's concurrency
-- (runs in flight), its rate (claims per window) and each job's max_concurrency. A
-- run of a job at its cap is passed over (it keeps its place; later runs of other
-- jobs may go first) and recorded in the held hash with why; so is a run of a handler
-- the claiming worker did not load (a worker that did will take it).
-- KEYS[1] ready zset    KEYS[2] in-flight zset (score = deadline)
-- KEYS[3] leases hash (id -> token)    KEYS[4] deliveries hash (id -> count)
-- KEYS[5] owners hash (id -> lease owner)    KEYS[6] beats zset (owner -> last beat ms)
-- KEYS[7] limits hash (id -> '<max_concurrency>:<job id>')
-- KEYS[8] rate zset (claim token -> claim time ms)    KEYS[9] held hash (id -> why)
-- KEYS[10] handlers hash (id -> handler name)
-- KEYS[11] delayed zset (score = due ms)    KEYS[12] meta hash (id -> priority)
-- KEYS[13] seq counter
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    ARGV[3] max count
-- ARGV[4] token prefix (unique per call; token = prefix .. ':' .. n)
-- ARGV[5] lease owner (the claiming worker process; '' records none)
-- ARGV[6] pool concurrency (0: none)    ARGV[7] rate: claims per window (0: none)
-- ARGV[8] rate window (ms)    ARGV[9] prefix of the per-job in-flight sets (a set
--   '<prefix><job id>' per capped job, in this pool's hash slot)
-- ARGV[10] the handlers the worker serves, one per line ('': any)
-- RETURNS flat list: id, token, deliveries, id, token, deliveries, ...
local now = tonumber(ARGV[1])
local deadline = now + tonumber(ARGV[2])
local count = tonumber(ARGV[3])
local owner = ARGV[5]
local due = redis.call('ZRANGEBYSCORE', KEYS[11], '-inf', ARGV[1], 'LIMIT', 0, 1000)
if #due > 0 then
  local priorities = fetched('HMGET', KEYS[12], due)
  local seq = redis.call('INCRBY', KEYS[13], #due) - #due
  local ready = {}
  for n, id in ipairs(due) do
    pair(ready, string.format('%.0f', (100 - tonumber(priorities[n] or '50')) * 1e12 + seq + n), id)
  end
  batched('ZREM', KEYS[11], due)
  batched('ZADD', KEYS[1], ready)
end
local pool_max, rate_n, rate_ms = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local pool_why = false
if pool_max > 0 then
  local room = pool_max - redis.call('ZCARD', KEYS[2])
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
local serves = nil
if ARGV[10] ~= '' then
  serves = {}
  for name in string.gmatch(ARGV[10], '[^\n]+') do
    serves[name] = true
  end
end
local out = {}
if count <= 0 then
  return out
end
-- Look past runs of capped jobs, but not without bound.
local ids = redis.call('ZRANGE', KEYS[1], 0, count * 4 + 50)
local limits = fetched('HMGET', KEYS[7], ids)
local handlers = serves and fetched('HMGET', KEYS[10], ids) or {}
local running = {}
local taken = {}
local held = {}
for n, id in ipairs(ids) do
  if #taken >= count then
    break
  end
  local cap, job_key = nil, nil
  local limit = limits[n]
  if limit then
    local sep = string.find(limit, ':', 1, true)
    cap = tonumber(string.sub(limit, 1, sep - 1))
    job_key = ARGV[9] .. string.sub(limit, sep + 1)
    if running[job_key] == nil then
      -- Forget runs that left flight (acked, retried, released) since the last claim.
      for _, member in ipairs(redis.call('SMEMBERS', job_key)) do
        if not redis.call('ZSCORE', KEYS[2], member) then
          redis.call('SREM', job_key, member)
        end
      end
      running[job_key] = redis.call('SCARD', job_key)
    end
  end
  local handler = handlers[n]
  if handler and not serves[handler] then
    pair(held, id, 'a worker that does not serve ' .. handler .. ' passed it over')
  elseif cap and running[job_key] >= cap then
    pair(held, id, 'its job is at its max_concurrency (' .. cap .. ')')
  else
    taken[#taken + 1] = id
    if cap then
      redis.call('SADD', job_key, id)
      running[job_key] = running[job_key] + 1
    end
  end
end
batched('HSET', KEYS[9], held)
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
return out
