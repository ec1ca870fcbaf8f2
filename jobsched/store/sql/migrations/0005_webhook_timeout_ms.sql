-- http.webhook's payload "timeout" is now read in milliseconds, as the seed documents it
-- ("timeout": 30000); it used to be read as seconds. Stored values cannot say which unit
-- their author meant, so: below 1000 they were written as seconds (no one waits less than
-- a second for a webhook on purpose) and become milliseconds; 1000 and above were written
-- as milliseconds (the seed's way) and stay. Executions carry a copy of the payload and
-- can run again (retry, redrive), so theirs change the same way.

UPDATE jobs
   SET payload = jsonb_set(payload, '{timeout}', to_jsonb((payload->>'timeout')::numeric * 1000))
 WHERE handler = 'http.webhook'
   AND jsonb_typeof(payload->'timeout') = 'number'
   AND (payload->>'timeout')::numeric > 0
   AND (payload->>'timeout')::numeric < 1000;

UPDATE executions
   SET payload = jsonb_set(payload, '{timeout}', to_jsonb((payload->>'timeout')::numeric * 1000))
 WHERE handler = 'http.webhook'
   AND jsonb_typeof(payload->'timeout') = 'number'
   AND (payload->>'timeout')::numeric > 0
   AND (payload->>'timeout')::numeric < 1000;
