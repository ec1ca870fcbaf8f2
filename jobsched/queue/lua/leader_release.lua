-- Give the leader lock up, only if we hold it (never a bare DEL).
-- KEYS[1] leader lock    KEYS[2] when its holder took it
-- ARGV[1] owner token
-- RETURNS 1 released, 0 held by someone else (or nobody)
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[2])
  return redis.call('DEL', KEYS[1])
end
return 0
