-- Take one request's token from a key's bucket: it holds at most a minute's allowance
-- and refills steadily, so a key may burst up to its limit, then keeps to its rate.
-- KEYS[1] the key's bucket (hash: tokens, at)
-- ARGV[1] now (ms)    ARGV[2] the limit, requests per minute (bucket size and refill)
-- RETURNS {1, 0} when the request may go ahead; {0, ms until a token is back} when not
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local per_ms = limit / 60000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens, at = limit, now  -- a bucket not seen lately is full
end
-- API instances' clocks differ a little: time never runs backwards for a bucket.
if now > at then
  tokens = math.min(limit, tokens + (now - at) * per_ms)
  at = now
end
local allowed, wait = 0, 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / per_ms)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', at)
-- Forgotten once it would be full again: a full bucket and no bucket are the same.
redis.call('PEXPIRE', KEYS[1], math.ceil((limit - tokens) / per_ms) + 1000)
return {allowed, wait}
