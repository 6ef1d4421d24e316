'use strict';

// Kafka loop of the plug-in grader: reads rollout groups, scores them with
// grader.js and publishes one PartialScores message per group.
//
// Delivery is at least once: the score is sent (and acknowledged by all
// in-sync replicas) before the consumer commits the rollout's offset, so a
// crash in between sends the score again after a restart. The reward service
// ignores a repeated score from the same grader.

const { Kafka, Partitioners, logLevel } = require('kafkajs');
const { scoreGroup, groupIdOf } = require('./grader');

const SCHEMA_VERSION = 1;
const SHUTDOWN_TIMEOUT_MS = 20000;
const TOPIC_POLL_MS = 2000;

function readSettings(env = process.env) {
  const progressEvery = Number.parseInt(env.PROGRESS_EVERY || '100', 10);
  return {
    brokers: (env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092')
      .split(',')
      .map((broker) => broker.trim())
      .filter((broker) => broker !== ''),
    graderName: env.GRADER_NAME || 'arithmetic',
    groupId: env.GROUP_ID || 'reasonflow-grader-arithmetic',
    rolloutsTopic: env.ROLLOUTS_TOPIC || 'reasonflow.rollouts',
    rewardsTopic: env.REWARDS_TOPIC || 'reasonflow.rewards',
    progressEvery: Number.isInteger(progressEvery) && progressEvery > 0 ? progressEvery : 100,
  };
}

/**
 * Turns one rollout record value into the PartialScores message to publish.
 * Throws an Error that describes why the record cannot be scored.
 * @param {Buffer|null} value the record value
 * @param {string} graderName the name written in the "grader" field
 * @returns {{groupId: string, message: object}}
 */
function partialScoresFor(value, graderName) {
  if (value === null || value === undefined || value.length === 0) {
    throw new Error('missing value (empty record)');
  }
  let group;
  try {
    group = JSON.parse(value.toString('utf8'));
  } catch (error) {
    throw new Error(`invalid JSON (${error.message})`);
  }
  const groupId = groupIdOf(group);
  const { scores, details } = scoreGroup(group);
  return {
    groupId,
    message: {
      schema_version: SCHEMA_VERSION,
      group_id: groupId,
      grader: graderName,
      scores,
      details,
    },
  };
}

// kafkajs logs JSON objects by default, so print one plain line to stderr instead.
function plainLogCreator() {
  const names = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' };
  return ({ namespace, level, log }) => {
    // Leave out what makes a line long or multi-line: the stack trace and
    // the client id, which is the same on every line.
    const { message, timestamp, logger, stack, clientId, ...extra } = log;
    const fields = Object.entries(extra)
      .filter(([, fieldValue]) => fieldValue !== undefined)
      .map(([key, fieldValue]) => `${key}=${typeof fieldValue === 'string' ? fieldValue : JSON.stringify(fieldValue)}`)
      .join(' ');
    process.stderr.write(`kafkajs ${names[level] || level} [${namespace}] ${message}${fields ? ` ${fields}` : ''}\n`);
  };
}

// The pipeline creates its topics, so wait for them rather than fail when
// the grader starts first.
async function waitForTopics(admin, topics, isStopping) {
  let announced = false;
  for (;;) {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0 || isStopping()) {
      return;
    }
    if (!announced) {
      console.error(`waiting for topic ${missing.join(', ')} to exist`);
      announced = true;
    }
    await new Promise((resolve) => setTimeout(resolve, TOPIC_POLL_MS));
  }
}

async function main() {
  const settings = readSettings();
  const kafka = new Kafka({
    clientId: `reasonflow-grader-${settings.graderName}`,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: plainLogCreator,
  });
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  // Commit the offsets of finished records at least every 5 s, which bounds
  // how much work is redone after a crash.
  const consumer = kafka.consumer({ groupId: settings.groupId, autoCommitInterval: 5000 });

  let scored = 0;
  let skipped = 0;
  let ready = false;
  let stopping = false;

  consumer.on(consumer.events.GROUP_JOIN, () => {
    if (!ready) {
      ready = true;
      console.log(`${settings.graderName} grader ready`);
    }
  });

  async function stop(reason, exitCode) {
    if (stopping) {
      return;
    }
    stopping = true;
    const timer = setTimeout(() => {
      console.error(`${settings.graderName} grader: disconnect timed out after ${SHUTDOWN_TIMEOUT_MS} ms, exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    let code = exitCode;
    try {
      await consumer.disconnect();
      await producer.disconnect();
    } catch (error) {
      console.error(`${settings.graderName} grader: disconnect failed: ${error.message}`);
      code = 1;
    }
    console.log(`${settings.graderName} grader stopped (${reason}): scored=${scored} skipped=${skipped}`);
    process.exit(code);
  }

  process.on('SIGTERM', () => stop('SIGTERM', 0));
  process.on('SIGINT', () => stop('SIGINT', 0));

  // kafkajs restarts the consumer after retriable errors. Any other error ends the process.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      console.error(`${settings.graderName} grader: consumer crashed, exiting: ${payload.error && payload.error.message}`);
      stop('consumer crashed', 1);
    }
  });

  const admin = kafka.admin();
  await admin.connect();
  await waitForTopics(admin, [settings.rolloutsTopic, settings.rewardsTopic], () => stopping);
  await admin.disconnect();
  if (stopping) {
    return;
  }
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topics: [settings.rolloutsTopic], fromBeginning: true });
  await consumer.run({
    // Resolving eachMessage marks the offset for commit, so the score is
    // acknowledged before the rollout counts as consumed. A failed send throws,
    // and kafkajs delivers the same record again.
    eachMessage: async ({ topic, partition, message }) => {
      let result;
      try {
        result = partialScoresFor(message.value, settings.graderName);
      } catch (error) {
        skipped += 1;
        console.error(`skipped ${topic} partition ${partition} offset ${message.offset}: ${error.message}`);
        return;
      }
      await producer.send({
        topic: settings.rewardsTopic,
        acks: -1,
        messages: [{ key: message.key || result.groupId, value: JSON.stringify(result.message) }],
      });
      scored += 1;
      if (scored % settings.progressEvery === 0) {
        console.log(`${settings.graderName} grader progress: scored=${scored} skipped=${skipped}`);
      }
    },
  });
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`grader failed to start: ${error.message}`);
    process.exit(1);
  });
}

module.exports = { partialScoresFor, readSettings };
