-- Finish executions: forget them entirely, but only for the current lease holder
-- (a stale worker's late ack changes nothing).
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] deliveries hash
-- KEYS[4] meta hash    KEYS[5] cancel set    KEYS[6] owners hash    KEYS[7] limits hash
-- KEYS[8] handlers hash    KEYS[9] freed set (groups whose runs left flight: a key's
-- slot is handed on by the next claim, with no polling delay)
-- KEYS[10] fairness hash (id -> fairness key)
-- ARGV pairs: id, token
-- RETURNS one integer per pair: 1 acked, 0 not the lease holder (an id given twice
-- is acked once)
local ids = {}
for i = 1, #ARGV, 2 do
  ids[#ids + 1] = ARGV[i]
end
local out = {}
if #ids == 0 then
  return out
end
local leases = fetched('HMGET', KEYS[2], ids)
local done, seen = {}, {}
for n, id in ipairs(ids) do
  if leases[n] == ARGV[2 * n] and not seen[id] then
    seen[id] = true
    done[#done + 1] = id
    out[n] = 1
  else
    out[n] = 0
  end
end
if #done > 0 then
  free_jobs(KEYS[7], KEYS[9], done)
  batched('ZREM', KEYS[1], done)
  for k = 2, 4 do
    batched('HDEL', KEYS[k], done)
  end
  batched('SREM', KEYS[5], done)
  for k = 6, 8 do
    batched('HDEL', KEYS[k], done)
  end
  batched('HDEL', KEYS[10], done)
end
return out
