-- Heartbeat: push the deadline of leases the caller still holds, and report
-- which of them were asked to cancel.
-- KEYS[1] in-flight zset    KEYS[2] leases hash    KEYS[3] cancel set
-- ARGV[1] now (ms)    ARGV[2] visibility timeout (ms)    then pairs: id, token
-- RETURNS one integer per pair: 0 lease lost, 1 extended, 2 extended + cancel requested
local deadline = tonumber(ARGV[1]) + tonumber(ARGV[2])
local out = {}
for i = 3, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  if redis.call('HGET', KEYS[2], id) == token then
    redis.call('ZADD', KEYS[1], 'XX', string.format('%.0f', deadline), id)
    if redis.call('SISMEMBER', KEYS[3], id) == 1 then
      out[#out + 1] = 2
    else
      out[#out + 1] = 1
    end
  else
    out[#out + 1] = 0
  end
end
return out
