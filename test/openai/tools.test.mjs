// End-to-end checks of tool calls and reasoning with the official openai
// client, against a model whose chat template shows tools and thinking
// (GOLLM_TOOLS_URL: .ci/openai.sh serves the reference tiny Qwen3 model
// with Qwen3's own template there; the tests skip when it is not set). The
// weights are random, so tool_choice forces the calls: only the grammar
// made from each function's schema makes the arguments valid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = process.env.GOLLM_TOOLS_URL;
const skip = baseURL ? false : 'GOLLM_TOOLS_URL is not set';
const model = process.env.GOLLM_MODEL ?? 'gollm';
const client = new OpenAI({ baseURL: baseURL || 'http://unused/v1', apiKey: 'not-needed', maxRetries: 0, timeout: 120_000 });

const tools = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'The current weather in a city',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', maxLength: 24 }, unit: { enum: ['celsius', 'fahrenheit'] } },
        required: ['city', 'unit'],
        additionalProperties: false,
      },
    },
  },
  {
    type: 'function',
    function: {
      name: 'add',
      description: 'Adds two small numbers',
      parameters: {
        type: 'object',
        properties: { a: { type: 'integer', minimum: 0, maximum: 100 }, b: { type: 'integer', minimum: 0, maximum: 100 } },
        required: ['a', 'b'],
        additionalProperties: false,
      },
    },
  },
];

// validate checks a value against the subset of JSON Schema the tools use
// and returns the first problem, or null.
function validate(v, s, path = '$') {
  if (s.enum) return s.enum.includes(v) ? null : `${path}: ${JSON.stringify(v)} not in the enum`;
  switch (s.type) {
    case 'object': {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${path}: not an object`;
      for (const k of s.required ?? []) if (!(k in v)) return `${path}: missing ${k}`;
      for (const [k, x] of Object.entries(v)) {
        if (!(k in s.properties)) {
          if (s.additionalProperties === false) return `${path}: unexpected ${k}`;
          continue;
        }
        const err = validate(x, s.properties[k], `${path}.${k}`);
        if (err) return err;
      }
      return null;
    }
    case 'integer':
      if (!Number.isInteger(v)) return `${path}: not an integer`;
      if (s.minimum !== undefined && v < s.minimum) return `${path}: below ${s.minimum}`;
      if (s.maximum !== undefined && v > s.maximum) return `${path}: above ${s.maximum}`;
      return null;
    case 'string':
      if (typeof v !== 'string') return `${path}: not a string`;
      if (s.maxLength !== undefined && [...v].length > s.maxLength) return `${path}: longer than ${s.maxLength}`;
      return null;
  }
  throw new Error(`schema type ${s.type} not handled here`);
}

// checkCall checks a tool call's shape and that its arguments parse and
// validate against its function's schema; it returns the arguments.
function checkCall(call, name) {
  assert.equal(call.type, 'function');
  assert.match(call.id, /^call_/);
  if (name) assert.equal(call.function.name, name);
  const tool = tools.find((t) => t.function.name === call.function.name);
  assert.ok(tool, `call of unknown function ${call.function.name}`);
  assert.equal(typeof call.function.arguments, 'string');
  const args = JSON.parse(call.function.arguments);
  assert.equal(validate(args, tool.function.parameters), null, call.function.arguments);
  return args;
}

test('an agent loop: two tool calls, their results, and a final answer', { skip }, async () => {
  const messages = [
    { role: 'system', content: 'You are a helpful assistant with tools.' },
    { role: 'user', content: 'What is the weather in Paris, and what is 2 + 3?' },
  ];
  const results = { get_weather: (a) => `${a.city}: 21 degrees ${a.unit}, sunny`, add: (a) => String(a.a + a.b) };
  for (const name of ['get_weather', 'add']) {
    const r = await client.chat.completions.create({
      model, messages, tools, max_tokens: 400, tool_choice: { type: 'function', function: { name } },
    });
    const choice = r.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    const args = checkCall(call, name);
    messages.push(choice.message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: results[name](args) });
  }
  const final = await client.chat.completions.create({ model, messages, tools, tool_choice: 'none', max_tokens: 16 });
  assert.equal(final.choices[0].message.tool_calls, undefined);
  assert.notEqual(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(typeof final.choices[0].message.content, 'string');
  // The template rendered the calls and the results back: the final prompt
  // is longer than the first question with its tools.
  const first = await client.chat.completions.create({ model, messages: messages.slice(0, 2), tools, tool_choice: 'none', max_tokens: 1 });
  assert.ok(final.usage.prompt_tokens > first.usage.prompt_tokens + 40, `${final.usage.prompt_tokens} vs ${first.usage.prompt_tokens}`);
});

test('tool_choice required makes one valid call of some tool', { skip }, async () => {
  for (const seed of [1, 2, 3]) {
    const r = await client.chat.completions.create({
      model, tools, tool_choice: 'required', temperature: 1, seed, max_tokens: 400,
      messages: [{ role: 'user', content: 'Use a tool.' }],
    });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assert.equal(r.choices[0].message.tool_calls.length, 1);
    checkCall(r.choices[0].message.tool_calls[0]);
  }
});

test('a streamed call arrives as OpenAI streams it', { skip }, async () => {
  const req = {
    model, tools, tool_choice: { type: 'function', function: { name: 'add' } }, temperature: 0, max_tokens: 400,
    messages: [{ role: 'user', content: 'What is 2 + 3?' }],
  };
  const whole = await client.chat.completions.create(req);
  const stream = await client.chat.completions.create({ ...req, stream: true });
  let call = null;
  let finish = null;
  for await (const chunk of stream) {
    const choice = chunk.choices[0];
    if (!choice) continue;
    if (choice.finish_reason) finish = choice.finish_reason;
    for (const d of choice.delta.tool_calls ?? []) {
      assert.equal(d.index, 0);
      if (d.id) {
        assert.equal(call, null, 'a second id for the call');
        assert.equal(d.type, 'function');
        call = { id: d.id, type: 'function', function: { name: d.function.name, arguments: d.function.arguments ?? '' } };
      } else {
        assert.ok(call, 'arguments before the call opened');
        call.function.arguments += d.function.arguments ?? '';
      }
    }
    assert.ok(!choice.delta.content, `content ${JSON.stringify(choice.delta.content)} in a forced call`);
  }
  assert.equal(finish, 'tool_calls');
  checkCall(call, 'add');
  assert.equal(call.function.arguments, whole.choices[0].message.tool_calls[0].function.arguments);

  // The client's own stream helper assembles the same call.
  const runner = client.chat.completions.stream({ ...req });
  const done = await runner.finalChatCompletion();
  checkCall(done.choices[0].message.tool_calls[0], 'add');
  assert.equal(done.choices[0].message.tool_calls[0].function.arguments, call.function.arguments);
});

test('thinking is split into reasoning_content, or kept with reasoning_format none', { skip }, async () => {
  const req = {
    model, max_tokens: 40, messages: [{ role: 'user', content: 'Hi' }],
    grammar: 'root ::= "<think>\\nThe user greets me.\\n</think>\\n\\nHello!"',
  };
  const r = await client.chat.completions.create(req);
  assert.equal(r.choices[0].message.reasoning_content, 'The user greets me.');
  assert.equal(r.choices[0].message.content, 'Hello!');

  let reasoning = '';
  let content = '';
  for await (const chunk of await client.chat.completions.create({ ...req, stream: true })) {
    const d = chunk.choices[0]?.delta ?? {};
    reasoning += d.reasoning_content ?? '';
    content += d.content ?? '';
  }
  assert.equal(reasoning, 'The user greets me.');
  assert.equal(content, 'Hello!');

  const inline = await client.chat.completions.create({ ...req, reasoning_format: 'none' });
  assert.equal(inline.choices[0].message.reasoning_content, undefined);
  assert.equal(inline.choices[0].message.content, '<think>\nThe user greets me.\n</think>\n\nHello!');
});

test('chat_template_kwargs reach the template: enable_thinking false closes the thinking', { skip }, async () => {
  const req = { model, max_tokens: 1, messages: [{ role: 'user', content: 'Hi' }] };
  const on = await client.chat.completions.create(req);
  const off = await client.chat.completions.create({ ...req, chat_template_kwargs: { enable_thinking: false } });
  // Qwen3's template adds an empty <think></think> block to the prompt.
  assert.ok(off.usage.prompt_tokens > on.usage.prompt_tokens, `${off.usage.prompt_tokens} vs ${on.usage.prompt_tokens}`);
});

test('tool fields that cannot be honored are 400s naming them', { skip }, async () => {
  const bad = [
    [{ tools, tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice'],
    [{ tool_choice: 'required' }, 'tool_choice'],
    [{ tools: [{ type: 'function', function: { name: 'has space' } }] }, 'tools[0].function.name'],
    [{ tools, response_format: { type: 'json_object' } }, 'tools'],
    [{ reasoning_format: 'hidden' }, 'reasoning_format'],
  ];
  for (const [fields, param] of bad) {
    await assert.rejects(
      client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1, ...fields }),
      (err) => err instanceof OpenAI.BadRequestError && err.param === param,
      JSON.stringify(fields),
    );
  }
});
