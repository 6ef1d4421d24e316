'use strict';

// Tests of the message handling in index.js. They need no Kafka broker.

const test = require('node:test');
const assert = require('node:assert/strict');
const { partialScoresFor, readSettings } = require('./index');

test('rollout group becomes PartialScores', () => {
  const value = Buffer.from(JSON.stringify({
    schema_version: 1,
    prompt: { group_id: 'g-7', sampling: { group_size: 2 } },
    completions: [{ text: '<think>12 + 30 = 42</think>' }, { text: '<answer>42</answer>' }],
  }));
  assert.deepEqual(partialScoresFor(value, 'arithmetic'), {
    groupId: 'g-7',
    message: {
      schema_version: 1,
      group_id: 'g-7',
      grader: 'arithmetic',
      scores: [1, null],
      details: { equations_checked: [1, 0] },
    },
  });
});

test('grader name comes from caller', () => {
  const value = Buffer.from('{"prompt":{"group_id":"g"},"completions":[{"text":"1+1=2"}]}');
  assert.equal(partialScoresFor(value, 'my_grader').message.grader, 'my_grader');
});

test('unscorable records explain why', () => {
  assert.throws(() => partialScoresFor(null, 'arithmetic'), /missing value/);
  assert.throws(() => partialScoresFor(Buffer.from('{not json'), 'arithmetic'), /invalid JSON/);
  assert.throws(() => partialScoresFor(Buffer.from('{"completions":[]}'), 'arithmetic'), /'prompt'/);
});

test('settings defaults and broker list', () => {
  assert.deepEqual(readSettings({}), {
    brokers: ['127.0.0.1:9092'],
    graderName: 'arithmetic',
    groupId: 'reasonflow-grader-arithmetic',
    rolloutsTopic: 'reasonflow.rollouts',
    rewardsTopic: 'reasonflow.rewards',
    progressEvery: 100,
  });
  const settings = readSettings({ KAFKA_BOOTSTRAP_SERVERS: 'a:9092, b:9092,', PROGRESS_EVERY: 'x' });
  assert.deepEqual(settings.brokers, ['a:9092', 'b:9092']);
  assert.equal(settings.progressEvery, 100);
});
