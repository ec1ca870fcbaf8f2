-- Retries whose backoff has passed move from delayed to ready, each at its fairness
-- key's next turn (_score.lua).
-- KEYS[1] delayed zset    KEYS[2] ready zset    KEYS[3] meta hash    KEYS[4] seq counter
-- KEYS[5] turns hash    KEYS[6] fair clock    KEYS[7] fairness hash (id -> key)
-- ARGV[1] now (ms)    ARGV[2] max count
-- RETURNS the ids promoted
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #ids == 0 then
  return ids
end
local priorities = fetched('HMGET', KEYS[3], ids)
local fair = fetched('HMGET', KEYS[7], ids)
local first = redis.call('INCRBY', KEYS[4], #ids) - #ids
local entries = {}
for n = 1, #ids do
  entries[n] = {priorities[n] or '50', fair[n] or ''}
end
local turns = fair_turns(KEYS[5], KEYS[6], entries, first)
local ready = {}
for n, id in ipairs(ids) do
  pair(ready, ready_score(tonumber(priorities[n] or '50'), turns[n]), id)
end
batched('ZREM', KEYS[1], ids)
batched('ZADD', KEYS[2], ready)
return ids
