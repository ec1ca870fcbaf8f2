// The built-in handlers and an example payload for each (used to pre-fill the job form).
// Other handlers come from the catalog (GET /handlers); the form accepts any name.

export const HANDLER_EXAMPLES = {
  'http.webhook': { url: 'https://example.com/hook', method: 'POST', headers: {}, body: {} },
  'shell.command': { command: 'echo', args: ['hello'] },
  'test.echo': { message: 'hello' },
  'test.delay': { durationMs: 1000, shouldFail: false },
  'test.log': { message: 'hello from the scheduler', level: 'info' },
  'system.cleanup': { retention_days: 30 },
};

export const HANDLERS = Object.keys(HANDLER_EXAMPLES);
