// End-to-end checks of hybrid routing with the official openai client:
// GOLLM_ROUTED_URL is a gollm server whose fallback is the main test server
// and whose policy finds every answer unsure after 4 tokens (.ci/openai.sh:
// --min-confidence 1 --route-min-tokens 4), so every answer hands over to
// the remote early. The client must read the handover's gollm.route event
// as an ordinary chunk without choices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.GOLLM_ROUTED_URL;
const skip = baseURL ? false : 'GOLLM_ROUTED_URL is not set';
const model = process.env.GOLLM_MODEL ?? 'gollm';
const client = new OpenAI({ baseURL: baseURL || 'http://unused/v1', apiKey: 'not-needed', maxRetries: 0 });
const messages = [{ role: 'user', content: 'Tell me a story' }];

test('an early handover streams the local start, a gollm.route chunk, then the remote answer', { skip }, async () => {
  const stream = await client.chat.completions.create({
    model, messages, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let local = '';
  let remote = '';
  let route = null;
  let final = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    if (chunk.gollm?.route && chunk.choices.length === 0 && !chunk.usage && final === null && route === null) {
      route = chunk.gollm.route; // the handover event
      continue;
    }
    const choice = chunk.choices[0];
    if (choice?.delta?.content) {
      if (route) remote += choice.delta.content;
      else local += choice.delta.content;
    }
    if (choice?.finish_reason) final = chunk.gollm;
  }
  assert.ok(route, 'no gollm.route chunk');
  assert.deepEqual([route.source, route.rule, route.stage, route.mode, route.local_tokens], ['fallback', 'confidence', 'early', 'replace', 4]);
  assert.ok(remote.length > 0, 'no remote text after the handover');
  assert.equal(final?.source, 'fallback');
  assert.equal(final?.route?.stage, 'early');
});

test('a non-streamed answer carries the decision', { skip }, async () => {
  const resp = await client.chat.completions.create({ model, messages, max_tokens: 12, temperature: 0 });
  const route = resp.gollm?.route;
  assert.equal(route?.source, 'fallback');
  assert.equal(route?.local_tokens, 4);
  assert.ok(route?.signals?.confidence < 1);
  assert.equal(typeof resp.choices[0].message.content, 'string');
});
