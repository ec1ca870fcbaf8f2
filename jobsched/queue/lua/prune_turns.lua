-- Forget fairness keys whose last turn the fair clock has passed: such a key's next run
-- takes the clock's next turn anyway (_score.lua), so its entry says nothing. A bounded
-- step of an HSCAN per call, resumed from where the last call stopped, so the turns
-- hash stays about as big as the keys with runs queued.
-- KEYS[1] turns hash    KEYS[2] fair clock    KEYS[3] the scan's cursor (string)
-- ARGV[1] how many fields to look at
-- RETURNS how many were forgotten
local clock = tonumber(redis.call('GET', KEYS[2]) or '0')
local cursor = redis.call('GET', KEYS[3]) or '0'
local step = redis.call('HSCAN', KEYS[1], cursor, 'COUNT', tonumber(ARGV[1]))
local stale = {}
local fields = step[2]
for i = 1, #fields, 2 do
  if tonumber(fields[i + 1]) <= clock then
    stale[#stale + 1] = fields[i]
  end
end
batched('HDEL', KEYS[1], stale)
redis.call('SET', KEYS[3], step[1])
return #stale
