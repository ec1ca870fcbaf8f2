-- A running step's open items (issue 23's latency goal): how many of its executions in
-- the current round have not ended yet, written by every full advancement of the run
-- once each of the step's items is launched (NULL: not running, or items still to
-- launch under its max_concurrency). The worker's recording of item ends takes them
-- off in the same transaction, and while some stay open the run is not advanced (no
-- read of its executions): a fan-out of N items is read O(1) times, not once per end.
-- A count that is too high (an end written by a cancel or the tick, whose full
-- advancement follows) only defers the advancement to that one or to the catch-up pass.
ALTER TABLE workflow_run_steps ADD COLUMN open_items integer;
