// End-to-end test of `gollm serve` with the official openai client. It
// starts nothing: GOLLM_URL names a running server's API base (such as
// http://127.0.0.1:8080/v1) and GOLLM_MODEL the model id it reports.
// .ci/openai.sh starts the server and runs this file with `node --test`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.GOLLM_URL;
if (!baseURL) throw new Error('set GOLLM_URL to the server API base, e.g. http://127.0.0.1:8080/v1');
const model = process.env.GOLLM_MODEL ?? 'gollm';
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });
const messages = [
  { role: 'system', content: 'You are brief.' },
  { role: 'user', content: 'Say hello.' },
];

function checkUsage(u, maxCompletion) {
  assert.ok(u, 'usage is present');
  assert.ok(u.prompt_tokens > 0, `prompt_tokens ${u.prompt_tokens}`);
  assert.ok(u.completion_tokens >= 0 && u.completion_tokens <= maxCompletion, `completion_tokens ${u.completion_tokens}`);
  assert.equal(u.total_tokens, u.prompt_tokens + u.completion_tokens);
}

function checkGollm(g) {
  assert.equal(g?.source, 'local');
  assert.ok(g.confidence >= 0 && g.confidence <= 1, `confidence ${g.confidence}`);
}

test('models lists the served model', async () => {
  const list = await client.models.list();
  assert.ok(list.data.some((m) => m.id === model && m.object === 'model'), JSON.stringify(list.data));
});

test('chat completion', async () => {
  const r = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.match(r.id, /^chatcmpl-/);
  assert.equal(r.model, model);
  assert.equal(r.choices.length, 1);
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason), r.choices[0].finish_reason);
  checkUsage(r.usage, 8);
  checkGollm(r.gollm);
});

test('streaming chat completion matches the non-streaming one', async () => {
  const whole = await client.chat.completions.create({ model, messages, max_tokens: 8, temperature: 0 });
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 8, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.usage) {
      assert.equal(chunk.choices.length, 0, 'the usage chunk has no choices');
      usage = chunk.usage;
      continue;
    }
    text += chunk.choices[0].delta.content ?? '';
    finish = chunk.choices[0].finish_reason ?? finish;
  }
  assert.ok(chunks >= 3, `${chunks} chunks`);
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, whole.choices[0].finish_reason);
  checkUsage(usage, 8);
  assert.equal(usage.total_tokens, whole.usage.total_tokens);
});

test('completion', async () => {
  const r = await client.completions.create({ model, prompt: 'Once upon a time', max_tokens: 6, temperature: 0 });
  assert.equal(r.object, 'text_completion');
  assert.equal(typeof r.choices[0].text, 'string');
  assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
  checkUsage(r.usage, 6);
  checkGollm(r.gollm);
});

test('streaming completion ends with data: [DONE]', async () => {
  // Raw fetch, since the client hides the [DONE] line.
  const resp = await fetch(`${baseURL}/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, prompt: 'Hello', max_tokens: 4, stream: true, stream_options: { include_usage: true } }),
  });
  assert.equal(resp.status, 200);
  assert.match(resp.headers.get('content-type'), /^text\/event-stream/);
  const events = (await resp.text()).split('\n\n').filter(Boolean);
  assert.equal(events.at(-1), 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
  assert.ok(chunks.every((c) => c.object === 'text_completion'));
  checkUsage(chunks.at(-1).usage, 4);
});

test('bad requests are OpenAI errors', async () => {
  await assert.rejects(
    client.chat.completions.create({ model, messages, temperature: 5 }),
    (err) => err instanceof OpenAI.BadRequestError && err.status === 400 &&
      err.param === 'temperature' && err.type === 'invalid_request_error',
  );
});
