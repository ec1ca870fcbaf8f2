-- Take the leader lock, or renew it if we already hold it.
-- KEYS[1] leader lock    ARGV[1] owner token    ARGV[2] ttl (ms)
-- RETURNS 1 when the caller leads (acquired or renewed), 0 otherwise
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return 1
end
return 0
