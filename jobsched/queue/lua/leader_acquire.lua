-- Take the leader lock, or renew it if we already hold it.
-- KEYS[1] leader lock    KEYS[2] when its holder took it (ms)
-- KEYS[3] when a leader last passed here (ms; kept a day: tells a gap between tick
--         invocations from a stopped tick)    (2 and 3 share KEYS[1]'s slot: hash tag)
-- ARGV[1] owner token    ARGV[2] ttl (ms)    ARGV[3] now (ms)
-- RETURNS 1 when the caller leads (acquired or renewed), 0 otherwise
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  if redis.call('PEXPIRE', KEYS[2], ARGV[2]) == 0 then
    redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  end
  redis.call('SET', KEYS[3], ARGV[3], 'EX', 86400)
  return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2])
  redis.call('SET', KEYS[3], ARGV[3], 'EX', 86400)
  return 1
end
return 0
