-- Push executions, ready now or delayed until a due time. Idempotent: an id the
-- queue already knows (present in meta) is left where it is, but for one still waiting
-- in delayed pushed again with a later due time (a debounce's run, moved on by the
-- trigger that joined it): it waits until then.
-- KEYS[1] ready zset    KEYS[2] delayed zset    KEYS[3] meta hash (id -> priority)
-- KEYS[4] seq counter    KEYS[5] limits hash (id -> '<cap>:<group>' lines, _batch.lua)
-- KEYS[6] handlers hash (id -> handler name)
-- KEYS[7] turns hash ('<priority>:<fairness key>' -> last turn, _score.lua)
-- KEYS[8] fair clock    KEYS[9] fairness hash (id -> fairness key)
-- ARGV[1] now (ms), then groups of 6: id, priority (0-100), due (ms; <= now means
--   ready), its limits entry ('': none), its fairness key ('': plain FIFO), handler
--   ('' : unknown)
-- RETURNS number of ids added
local now = tonumber(ARGV[1])
local ids = {}
for i = 2, #ARGV, 6 do
  ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
  return 0
end
local known = fetched('HMGET', KEYS[3], ids)
local new, seen, ready_n = {}, {}, 0
for n, id in ipairs(ids) do
  local due = tonumber(ARGV[2 + (n - 1) * 6 + 2])
  if known[n] and due > now then
    redis.call('ZADD', KEYS[2], 'XX', 'GT', string.format('%.0f', due), id)
  end
  if not known[n] and not seen[id] then
    seen[id] = true
    new[#new + 1] = 2 + (n - 1) * 6
    if tonumber(ARGV[2 + (n - 1) * 6 + 2]) <= now then
      ready_n = ready_n + 1
    end
  end
end
if #new == 0 then
  return 0
end
-- Higher priority first, then each fairness key's next turn (_score.lua): the ready
-- ones move the counter by ready_n, in the order given.
local first = 0
if ready_n > 0 then
  first = redis.call('INCRBY', KEYS[4], ready_n) - ready_n
end
local entries = {}
for _, i in ipairs(new) do
  if tonumber(ARGV[i + 2]) <= now then
    entries[#entries + 1] = {ARGV[i + 1], ARGV[i + 4]}
  end
end
local turns = fair_turns(KEYS[7], KEYS[8], entries, first)
local meta, ready, delayed, limits, handlers, fair = {}, {}, {}, {}, {}, {}
local r = 0
for _, i in ipairs(new) do
  local id, priority, due = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  pair(meta, id, priority)
  if due > now then
    pair(delayed, string.format('%.0f', due), id)
  else
    r = r + 1
    pair(ready, ready_score(priority, turns[r]), id)
  end
  if ARGV[i + 3] ~= '' then
    pair(limits, id, ARGV[i + 3])
  end
  if ARGV[i + 4] ~= '' then
    pair(fair, id, ARGV[i + 4])
  end
  if ARGV[i + 5] ~= '' then
    pair(handlers, id, ARGV[i + 5])
  end
end
batched('HSET', KEYS[3], meta)
batched('ZADD', KEYS[1], ready)
batched('ZADD', KEYS[2], delayed)
batched('HSET', KEYS[5], limits)
batched('HSET', KEYS[6], handlers)
batched('HSET', KEYS[9], fair)
return #new
