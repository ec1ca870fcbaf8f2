-- Priority aging: a ready execution's priority rises by one for every STEP executions
-- queued after it (up to 100), so a low priority cannot wait forever behind a stream
-- of high ones. Recomputed from its own priority each time (idempotent); its sequence
-- number is kept, so it stays FIFO among the runs of its new priority.
-- Only the last LIMIT ready ids (the lowest priorities, where starvation happens) are
-- looked at per call.
-- KEYS[1] ready zset    KEYS[2] meta hash (id -> priority)    KEYS[3] seq counter
-- ARGV[1] STEP (executions queued after it per level)    ARGV[2] LIMIT
-- RETURNS how many ids moved
local step = tonumber(ARGV[1])
local current = tonumber(redis.call('GET', KEYS[3]) or '0')
local ids = redis.call('ZRANGE', KEYS[1], -tonumber(ARGV[2]), -1, 'WITHSCORES')
local moved = 0
for i = 1, #ids, 2 do
  local id, score = ids[i], tonumber(ids[i + 1])
  local seq = score_seq(score)
  local priority = tonumber(redis.call('HGET', KEYS[2], id) or '50')
  -- A turn may run ahead of the counter's runs queued after it (_score.lua): no less.
  local aged = math.min(100, priority + math.max(0, math.floor((current - seq) / step)))
  local wanted = ready_score(aged, seq)
  if tonumber(wanted) ~= score then
    redis.call('ZADD', KEYS[1], wanted, id)
    moved = moved + 1
  end
end
return moved
