-- Dead workers: leases whose owner has not heartbeaten for the threshold go back to
-- the front of their priority in ready, their tokens revoked (the owner, if it was
-- only frozen, learns on its next heartbeat that it lost them). Owners left with no
-- lease are forgotten.
-- KEYS[1] in-flight zset    KEYS[2] ready zset    KEYS[3] leases hash
-- KEYS[4] meta hash    KEYS[5] owners hash (id -> lease owner)
-- KEYS[6] beats zset (owner -> last beat ms)
-- KEYS[7] limits hash    KEYS[8] freed set (capped jobs whose runs left flight)
-- ARGV[1] now (ms)    ARGV[2] dead after (ms)    ARGV[3] max count
-- RETURNS the ids released
local dead = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf',
  string.format('%.0f', tonumber(ARGV[1]) - tonumber(ARGV[2])))
if #dead == 0 then
  return {}
end
local is_dead = {}
for _, owner in ipairs(dead) do
  is_dead[owner] = true
end
local limit = tonumber(ARGV[3])
local out = {}
local keep = {}
local owners = redis.call('HGETALL', KEYS[5])
for i = 1, #owners, 2 do
  local id, owner = owners[i], owners[i + 1]
  if is_dead[owner] then
    if not redis.call('ZSCORE', KEYS[1], id) then
      redis.call('HDEL', KEYS[5], id)
    elseif #out < limit then
      local priority = tonumber(redis.call('HGET', KEYS[4], id) or '50')
      redis.call('ZREM', KEYS[1], id)
      redis.call('HDEL', KEYS[3], id)
      redis.call('HDEL', KEYS[5], id)
      redis.call('ZADD', KEYS[2], ready_score(priority, 0), id)
      out[#out + 1] = id
    else
      keep[owner] = true
    end
  end
end
for _, owner in ipairs(dead) do
  if not keep[owner] then
    redis.call('ZREM', KEYS[6], owner)
  end
end
free_jobs(KEYS[7], KEYS[8], out)
return out
