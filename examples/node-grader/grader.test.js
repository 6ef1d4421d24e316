'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const {
  MAX_GRADED_CHARS,
  InvalidGroupError,
  findEquations,
  reasoningText,
  scoreCompletion,
  scoreGroup,
} = require('./grader');

function score(text) {
  return scoreCompletion(text);
}

test('correct equation scores 1', () => {
  assert.deepEqual(score('<think>12 + 30 = 42</think><answer>42</answer>'), { score: 1, checked: 1 });
});

test('wrong equation scores 0', () => {
  assert.deepEqual(score('<think>12 + 30 = 43</think><answer>43</answer>'), { score: 0, checked: 1 });
});

test('mixed equations score their share', () => {
  // 2 + 2 = 4 and 10 - 4 = 6 hold, while 3 * 3 = 10 and 9 / 3 = 4 do not: 2 of 4.
  const text = '<think>\n2 + 2 = 4\n3 * 3 = 10\n10 - 4 = 6\n9 / 3 = 4\n</think>';
  assert.deepEqual(score(text), { score: 0.5, checked: 4 });
});

test('decimals use a small tolerance', () => {
  // 1.5 + 2.25 = 3.75, 0.1 + 0.2 = 0.3 (not exact in binary floating point) and
  // 7 / 2 = 3.5 hold. 10 / 3 = 3.33 is only rounded, so it counts as wrong: 3 of 4.
  const text = '<think>1.5 + 2.25 = 3.75; 0.1 + 0.2 = 0.3; 7 / 2 = 3.5; 10 / 3 = 3.33</think>';
  assert.deepEqual(score(text), { score: 0.75, checked: 4 });
});

test('negative numbers are read', () => {
  const text = '<think>-5 + 3 = -2\n5 - 8 = -3\n4 * -2 = -8\n5--3=8</think>';
  assert.deepEqual(score(text), { score: 1, checked: 4 });
});

test('thousands separators are read', () => {
  // 1,200 + 300 = 1,500 and 1,000,000 / 1,000 = 1,000 hold, while 2,500 - 500 = 2,001 does not.
  const text = '<think>1,200 + 300 = 1,500. 1,000,000 / 1,000 = 1,000. 2,500 - 500 = 2,001.</think>';
  const result = score(text);
  assert.equal(result.checked, 3);
  assert.equal(result.score, 2 / 3);
});

test('no equations scores null', () => {
  assert.deepEqual(score('<think>Add the two numbers.</think><answer>42</answer>'), { score: null, checked: 0 });
  assert.deepEqual(score(''), { score: null, checked: 0 });
});

test('no think block reads everything', () => {
  assert.deepEqual(score('12 + 30 = 42, so <answer>42</answer>'), { score: 1, checked: 1 });
  assert.deepEqual(score('12 + 30 = 41'), { score: 0, checked: 1 });
});

test('think block excludes the answer', () => {
  assert.deepEqual(score('<think>2 + 2 = 4</think><answer>2 + 2 = 5</answer>'), { score: 1, checked: 1 });
});

test('unclosed think block runs to end', () => {
  assert.deepEqual(score('<think>2 + 2 = 4\n3 + 3 = 7'), { score: 0.5, checked: 2 });
});

test('lone closing tag ends reasoning', () => {
  // The prompt opened the think block, so the completion starts inside it.
  assert.deepEqual(score('2 + 2 = 4\n</think><answer>1 + 1 = 3</answer>'), { score: 1, checked: 1 });
});

test('every think block is read', () => {
  assert.equal(reasoningText('<think>a</think>x<think>b</think>'), 'a\nb');
  assert.deepEqual(score('<think>1 + 1 = 2</think> <think>2 + 2 = 5</think>'), { score: 0.5, checked: 2 });
});

test('unicode × and ÷, and x', () => {
  // 6 × 7 = 42, 8 ÷ 2 = 4 and 3x4=12 hold, while 9 ÷ 3 = 4 does not: 3 of 4.
  assert.deepEqual(score('<think>6 × 7 = 42, 8 ÷ 2 = 4, 3x4=12, 9 ÷ 3 = 4</think>'), { score: 0.75, checked: 4 });
});

test('equations without spaces', () => {
  assert.deepEqual(score('<think>\n472+389\n2+9=11 write 1 carry 1\n</think>'), { score: 1, checked: 1 });
});

test('longer expressions are skipped', () => {
  // The tail "8+1=16" of "7+8+1=16" is not an equation of its own, and
  // neither is "2 + 3 = 5" followed by "* 2".
  assert.deepEqual(score('<think>7+8+1=16\n10-1-7=2\n2 x 3 x 4 = 24\n2 + 3 = 5 * 2</think>'), { score: null, checked: 0 });
  assert.deepEqual(findEquations('x^2 + 3 = 7, 2x + 3 = 7, a1 + 2 = 3'), []);
});

test('equation after equals sign counts', () => {
  assert.deepEqual(score('<think>total = 12 + 30 = 42</think>'), { score: 1, checked: 1 });
});

test('division by zero is wrong', () => {
  assert.deepEqual(score('5 / 0 = 0'), { score: 0, checked: 1 });
});

test('numbers glued to text are skipped', () => {
  assert.deepEqual(findEquations('2,3 + 4 = 7 and 12 + 30 = 42kg and 1,2000 + 1 = 1'), []);
});

test('reads only the first 64 Ki', () => {
  const head = '1 + 1 = 2 ';
  const text = head + ' '.repeat(MAX_GRADED_CHARS - head.length) + '1 + 1 = 3';
  assert.deepEqual(score(text), { score: 1, checked: 1 });
});

test('very long completion stays bounded', () => {
  const text = '12 + 30 = 42 '.repeat(1000000);
  const start = process.hrtime.bigint();
  const result = score(text);
  const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  // 65,536 characters hold 5,041 whole copies of the 13-character equation.
  assert.deepEqual(result, { score: 1, checked: 5041 });
  assert.ok(elapsedMs < 2000, `took ${elapsedMs} ms`);
});

test('backtracking inputs stay fast', () => {
  const inputs = [
    '1'.repeat(MAX_GRADED_CHARS),
    ' '.repeat(MAX_GRADED_CHARS),
    `1${',000'.repeat(MAX_GRADED_CHARS / 4)}`,
    '1 + '.repeat(MAX_GRADED_CHARS / 4),
    '<think>'.repeat(MAX_GRADED_CHARS / 7),
    '1.1.'.repeat(MAX_GRADED_CHARS / 4),
  ];
  for (const input of inputs) {
    const start = process.hrtime.bigint();
    score(input);
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    assert.ok(elapsedMs < 1000, `took ${elapsedMs} ms on ${JSON.stringify(input.slice(0, 20))}...`);
  }
});

function group(texts) {
  return {
    schema_version: 1,
    prompt: { schema_version: 1, group_id: 'g-7', task: 'arithmetic', text: 'User: What is 12+30?\nAssistant: ' },
    policy_version: 3,
    worker_id: 'rollout-1',
    completions: texts.map((text) => ({ text, token_ids: [1], log_probs: [-0.1], finish_reason: 'stop' })),
  };
}

test('scoreGroup keeps completion order', () => {
  const result = scoreGroup(group([
    '<think>12 + 30 = 42</think><answer>42</answer>',
    '<answer>42</answer>',
    '<think>10 + 2 = 12\n12 + 30 = 43</think><answer>43</answer>',
  ]));
  assert.deepEqual(result, { scores: [1, null, 0.5], details: { equations_checked: [1, 0, 2] } });
});

test('scoreGroup ignores optional fields', () => {
  const result = scoreGroup({ prompt: { group_id: 'g-1' }, completions: [{ text: '3 × 4 = 12' }] });
  assert.deepEqual(result, { scores: [1], details: { equations_checked: [1] } });
});

test('scoreGroup rejects incomplete groups', () => {
  const invalid = [
    [null, /expected a JSON object/],
    [[], /expected a JSON object/],
    [{ completions: [{ text: '' }] }, /'prompt'/],
    [{ prompt: { group_id: '  ' }, completions: [{ text: '' }] }, /'prompt.group_id'/],
    [{ prompt: { group_id: 'g' } }, /'completions'/],
    [{ prompt: { group_id: 'g' }, completions: [] }, /'completions' is empty/],
    [{ prompt: { group_id: 'g' }, completions: [{ text: 'a' }, { token_ids: [] }] }, /'completions\[1\]\.text'/],
    [{ prompt: { group_id: 'g' }, completions: [{ text: 42 }] }, /'completions\[0\]\.text'/],
  ];
  for (const [input, message] of invalid) {
    assert.throws(() => scoreGroup(input), (error) => error instanceof InvalidGroupError && message.test(error.message));
  }
});
