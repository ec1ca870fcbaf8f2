-- Push executions, ready now or delayed until a due time. Idempotent: an id the
-- queue already knows (present in meta) is left where it is.
-- KEYS[1] ready zset    KEYS[2] delayed zset    KEYS[3] meta hash (id -> priority)
-- KEYS[4] seq counter    KEYS[5] limits hash (id -> '<max_concurrency>:<job id>')
-- KEYS[6] handlers hash (id -> handler name)
-- ARGV[1] now (ms), then groups of 6: id, priority (0-100), due (ms; <= now means
--   ready), max_concurrency of its job (0: no cap), job id, handler ('' : unknown)
-- RETURNS number of ids added
-- Scores are formatted with %.0f: Lua would otherwise print numbers with 14
-- significant digits and silently round priority*1e12+seq.
local now = tonumber(ARGV[1])
local added = 0
for i = 2, #ARGV, 6 do
  local id, priority, due = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local cap = tonumber(ARGV[i + 3])
  if redis.call('HSETNX', KEYS[3], id, priority) == 1 then
    if due > now then
      redis.call('ZADD', KEYS[2], string.format('%.0f', due), id)
    else
      -- Higher priority first, then FIFO by a sequence number (clock-independent).
      local seq = redis.call('INCR', KEYS[4])
      redis.call('ZADD', KEYS[1], string.format('%.0f', (100 - priority) * 1e12 + seq), id)
    end
    if cap > 0 then
      redis.call('HSET', KEYS[5], id, cap .. ':' .. ARGV[i + 4])
    end
    if ARGV[i + 5] ~= '' then
      redis.call('HSET', KEYS[6], id, ARGV[i + 5])
    end
    added = added + 1
  end
end
return added
