-- Prepended to every script after _batch.lua (jobsched/queue/scripts.py). The order of
-- the ready zset, written once: a higher priority first, then FIFO by a sequence number
-- (clock-independent) among runs of one priority. Scores are formatted with %.0f: Lua
-- would otherwise print 14 significant digits and silently round the sequence away.
local SEQ_SPAN = 1e12

-- The ready score of a run of this priority (0-100) and sequence number; 0 puts it at
-- the front of its priority (a run handed back or whose lease lapsed).
local function ready_score(priority, seq)
  return string.format('%.0f', (100 - priority) * SEQ_SPAN + seq)
end

-- The sequence number a ready score carries.
local function score_seq(score)
  return score % SEQ_SPAN
end

-- Fair order within a priority: each run's sequence number is its fairness key's next
-- turn, max(the clock, the key's last turn) + 1, where the clock is the sequence of the
-- last run claimed (claim.lua moves it). A key with 10,000 runs queued holds turns far
-- ahead; a key new to the queue takes the next turn, so it waits behind at most one run
-- of each busy key (round-robin), not behind their backlog. A fairness key is a run's
-- concurrency key, else its job (jobsched/queue/redis_queue.py). Turns are counted per
-- priority ('<priority>:<key>' in the turns hash). The seq counter still moves by one
-- per run (aging counts runs queued after a run by it); no turn ever passes it.
-- fair_key: hash of last turns    clock_key: string, the fair clock
-- entries: list of {priority, fairness key ('' : plain FIFO by the counter)}
-- counter_first: the counter's value before this batch's INCRBY (its numbers follow)
-- RETURNS the sequence numbers, in order
local function fair_turns(fair_key, clock_key, entries, counter_first)
  local out = {}
  local fields = {}
  for n, e in ipairs(entries) do
    if e[2] ~= '' then
      fields[#fields + 1] = e[1] .. ':' .. e[2]
    end
  end
  local last = {}
  if #fields > 0 then
    local known = fetched('HMGET', fair_key, fields)
    for n, f in ipairs(fields) do
      last[f] = tonumber(known[n] or '0')
    end
  end
  local clock = tonumber(redis.call('GET', clock_key) or counter_first)
  local turns = {}
  for n, e in ipairs(entries) do
    if e[2] == '' then
      out[n] = counter_first + n
    else
      local f = e[1] .. ':' .. e[2]
      local turn = math.max(clock, last[f]) + 1
      last[f] = turn
      turns[f] = turn
      out[n] = turn
    end
  end
  local write = {}
  for f, turn in pairs(turns) do
    pair(write, f, turn)
  end
  batched('HSET', fair_key, write)
  return out
end
