// End-to-end checks of gollm serve's structured output with the official
// openai client: response_format json_schema and json_object on both
// endpoints, streamed and not, llama-server's grammar field, and the 400s
// for what is not supported (GOLLM_URL and GOLLM_MODEL as in
// openai.test.mjs; .ci/openai.sh runs every *.test.mjs file here).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.GOLLM_URL;
if (!baseURL) throw new Error('set GOLLM_URL to the server API base, e.g. http://127.0.0.1:8080/v1');
const model = process.env.GOLLM_MODEL ?? 'gollm';
const client = new OpenAI({ baseURL, apiKey: 'not-needed', maxRetries: 0, timeout: 60_000 });

const schema = {
  type: 'object',
  properties: {
    city: { type: 'string', maxLength: 12 },
    temperature: { type: 'integer', minimum: -40, maximum: 50 },
    sky: { enum: ['clear', 'cloudy', 'rain'] },
  },
  required: ['city', 'temperature', 'sky'],
  additionalProperties: false,
};
const responseFormat = { type: 'json_schema', json_schema: { name: 'weather', strict: true, schema } };

// checkWeather checks by hand what the schema says (the model has random
// weights: only the grammar makes this hold).
function checkWeather(text) {
  const v = JSON.parse(text);
  assert.deepEqual(Object.keys(v).sort(), ['city', 'sky', 'temperature'], text);
  assert.equal(typeof v.city, 'string');
  assert.ok([...v.city].length <= 12, text);
  assert.ok(Number.isInteger(v.temperature) && v.temperature >= -40 && v.temperature <= 50, text);
  assert.ok(['clear', 'cloudy', 'rain'].includes(v.sky), text);
}

test('chat with a JSON schema answers valid JSON, at temperature 1', async () => {
  for (const seed of [1, 2, 3]) {
    const r = await client.chat.completions.create({
      model, messages: [{ role: 'user', content: 'The weather in Oslo?' }],
      max_tokens: 200, temperature: 1, seed, response_format: responseFormat,
    });
    assert.equal(r.choices[0].finish_reason, 'stop');
    checkWeather(r.choices[0].message.content);
  }
});

test('streamed chat with a JSON schema', async () => {
  const stream = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'The weather?' }], max_tokens: 200, stream: true, response_format: responseFormat,
  });
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
  }
  checkWeather(text);
});

test('completions take response_format too', async () => {
  const r = await client.completions.create({ model, prompt: 'Weather as JSON:', max_tokens: 200, response_format: responseFormat });
  checkWeather(r.choices[0].text);
});

test('json_object answers an object', async () => {
  const r = await client.chat.completions.create({
    model, messages: [{ role: 'user', content: 'Any JSON object.' }], max_tokens: 300, temperature: 0,
    response_format: { type: 'json_object' },
  });
  if (r.choices[0].finish_reason === 'stop') {
    const v = JSON.parse(r.choices[0].message.content);
    assert.equal(typeof v, 'object');
    assert.ok(v !== null && !Array.isArray(v));
  } else {
    assert.ok(r.choices[0].message.content.trimStart().startsWith('{'));
  }
});

test('a GBNF grammar (llama-server\'s field)', async () => {
  const r = await client.completions.create({
    model, prompt: 'Answer:', max_tokens: 40, grammar: 'root ::= ("yes" | "no") ", because " [a-z]{2,6} "."',
  });
  assert.match(r.choices[0].text, /^(yes|no), because [a-z]{2,6}\.$/);
});

test('unsupported response formats and schema keywords are refused with a 400 naming them', async () => {
  const messages = [{ role: 'user', content: 'hi' }];
  await assert.rejects(
    client.chat.completions.create({ model, messages, response_format: { type: 'xml' } }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'response_format.type');
  await assert.rejects(
    client.chat.completions.create({
      model, messages,
      response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'object', properties: { email: { type: 'string', format: 'email' } } } } },
    }),
    (e) => e instanceof OpenAI.BadRequestError && e.code === 'unsupported_schema_keyword' && /format/.test(e.message) && /properties\/email/.test(e.message));
  await assert.rejects(
    client.completions.create({ model, prompt: 'x', grammar: 'root ::= undefined-rule' }),
    (e) => e instanceof OpenAI.BadRequestError && e.param === 'grammar' && /line 1, column 10/.test(e.message));
});
