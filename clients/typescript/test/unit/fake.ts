// A fetch that answers from a list of canned responses and records each request, so the
// SDK's own logic (headers, paging, errors, waiting) is checked without a server.
export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
}

export function fakeFetch(answers: Array<() => Response>): {
  fetch: (input: Request) => Promise<Response>;
  requests: Recorded[];
} {
  const requests: Recorded[] = [];
  const fetch = async (input: Request): Promise<Response> => {
    requests.push({ method: input.method, url: new URL(input.url), headers: input.headers });
    const answer = answers.shift();
    if (answer === undefined) {
      throw new Error(`no answer left for ${input.method} ${input.url}`);
    }
    return answer();
  };
  return { fetch, requests };
}

export function json(status: number, body: unknown): () => Response {
  return () =>
    new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}
