-- Admit triggered runs under a rate key in reject mode: at most limit accepted per
-- period (a sliding window of accepted runs); over it, none is admitted.
-- KEYS[1] the key's window of accepted runs (zset: member -> ms), in the pool's slot
-- ARGV[1] now (ms)    ARGV[2] period (ms)    ARGV[3] limit    ARGV[4] how many runs
-- ARGV[5] a member prefix unique to this call
-- RETURNS 0 when admitted (counted), else ms until the window has room for them
local now, period, limit, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local used = redis.call('ZCARD', KEYS[1])
if used + n > limit then
  if n > limit then
    return period
  end
  -- The (used + n - limit)-th oldest leaves the window first.
  local oldest = redis.call('ZRANGE', KEYS[1], used + n - limit - 1, used + n - limit - 1,
    'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + period - now)
end
local members = {}
for i = 1, n do
  pair(members, now, ARGV[5] .. ':' .. i)
end
batched('ZADD', KEYS[1], members)
redis.call('PEXPIRE', KEYS[1], period + 1000)
return 0
