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
