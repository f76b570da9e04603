// End-to-end checks of gollm serve's prompt cache, logprobs and embeddings
// with the official openai client (GOLLM_URL and GOLLM_MODEL as in
// openai.test.mjs; .ci/openai.sh runs every *.test.mjs file here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.GOLLM_URL;
if (!baseURL) throw new Error('set GOLLM_URL to the server API base, e.g. http://127.0.0.1:8080/v1');
const model = process.env.GOLLM_MODEL ?? 'gollm';
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });

function checkEntry(e) {
  assert.equal(typeof e.token, 'string');
  assert.ok(e.logprob <= 0, `logprob ${e.logprob}`);
  assert.ok(Array.isArray(e.bytes) && e.bytes.every((b) => Number.isInteger(b) && b >= 0 && b < 256), `bytes ${e.bytes}`);
}

test('a follow-up reuses the cached conversation', async () => {
  const messages = [
    { role: 'system', content: 'You keep notes. '.repeat(20) },
    { role: 'user', content: 'Remember the number seven.' },
  ];
  const first = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0 });
  messages.push({ role: 'assistant', content: first.choices[0].message.content }, { role: 'user', content: 'Which number?' });
  const second = await client.chat.completions.create({ model, messages, max_tokens: 6, temperature: 0 });
  const cached = second.usage.prompt_tokens_details.cached_tokens;
  assert.ok(cached >= first.usage.prompt_tokens / 2 && cached < second.usage.prompt_tokens,
    `${cached} of ${second.usage.prompt_tokens} prompt tokens cached (first prompt ${first.usage.prompt_tokens})`);
  assert.equal(second.gollm.timings.cached_tokens, cached);
  assert.ok(second.gollm.timings.prompt_ms >= 0 && second.gollm.timings.generation_ms >= 0);
});

test('chat logprobs, whole and streamed', async () => {
  const req = { model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 6, temperature: 0, logprobs: true, top_logprobs: 2 };
  const r = await client.chat.completions.create(req);
  const content = r.choices[0].logprobs.content;
  assert.equal(content.length, r.usage.completion_tokens);
  for (const e of content) {
    checkEntry(e);
    assert.equal(e.top_logprobs.length, 2);
    e.top_logprobs.forEach(checkEntry);
    assert.equal(e.top_logprobs[0].logprob, e.logprob, 'greedy: the token is the likeliest');
  }
  const stream = await client.chat.completions.create({ ...req, stream: true });
  const streamed = [];
  for await (const chunk of stream) {
    streamed.push(...(chunk.choices[0]?.logprobs?.content ?? []));
  }
  assert.deepEqual(streamed, content);
});

test('completion logprobs in the legacy shape', async () => {
  const r = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 5, temperature: 0, logprobs: 2 });
  const lp = r.choices[0].logprobs;
  assert.equal(lp.tokens.length, r.usage.completion_tokens);
  assert.equal(lp.token_logprobs.length, lp.tokens.length);
  assert.equal(lp.text_offset.length, lp.tokens.length);
  assert.ok(lp.top_logprobs.every((t) => Object.keys(t).length >= 1 && Object.keys(t).length <= 2));
});

test('embeddings, base64 (the client default) and float', async () => {
  const input = ['The quick brown fox', 'jumps over the lazy dog'];
  const b64 = await client.embeddings.create({ model, input });
  const flt = await client.embeddings.create({ model, input, encoding_format: 'float' });
  assert.equal(b64.object, 'list');
  assert.equal(b64.data.length, 2);
  for (let i = 0; i < 2; i++) {
    const v = flt.data[i].embedding;
    assert.equal(flt.data[i].index, i);
    assert.ok(v.length > 0);
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    assert.ok(Math.abs(norm - 1) < 1e-4, `norm ${norm}`);
    assert.deepEqual(Array.from(b64.data[i].embedding), v.map((x) => Math.fround(x)));
  }
  assert.ok(b64.usage.prompt_tokens > 0);
  const alone = await client.embeddings.create({ model, input: input[1], encoding_format: 'float' });
  assert.deepEqual(alone.data[0].embedding, flt.data[1].embedding, 'the same text, alone or in a batch');
});

test('unsupported fields are refused, naming them', async () => {
  await assert.rejects(
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], logit_bias: { 1: 5 } }),
    (err) => err instanceof OpenAI.BadRequestError && err.param === 'logit_bias',
  );
  await assert.rejects(
    client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], n: 2 }),
    (err) => err instanceof OpenAI.BadRequestError && err.param === 'n',
  );
  await assert.rejects(
    client.embeddings.create({ model, input: 'hi', dimensions: 3 }),
    (err) => err instanceof OpenAI.BadRequestError && err.param === 'dimensions',
  );
});
