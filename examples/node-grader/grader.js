'use strict';

// Scoring logic of the "arithmetic" grader, kept free of Kafka so it can be
// unit tested and reused.
//
// For each completion the grader reads the reasoning (the text inside
// <think>...</think>, or the whole completion when it has no think block),
// finds every simple equation "a OP b = c" and checks its arithmetic.
// The score is the share of correct equations; a completion without any
// equation scores null ("nothing to check").

const GRADER_NAME = 'arithmetic';

// Only this many characters of a completion are read, so one huge completion
// cannot stall the grader.
const MAX_GRADED_CHARS = 65536;

const RELATIVE_TOLERANCE = 1e-9;
const ABSOLUTE_TOLERANCE = 1e-9;

// A number: optional minus, then either digits with thousands separators
// (1,200 or 12,345,678; the first group has no leading zero) or plain digits,
// then an optional decimal part.
const NUMBER = String.raw`-?(?:[1-9]\d{0,2}(?:,\d{3})+|\d+)(?:\.\d+)?`;

// The operators: + - * x × / ÷
const OPERATOR = String.raw`[-+*x×/÷]`;

// Spaces or tabs between the parts of an equation (never a line break).
const GAP = String.raw`[ \t]{0,16}`;

// The equation must stand on its own: no letter, digit or decimal point
// right before it, and no operator before it either, so in "7 + 8 + 1 = 16"
// the tail "8 + 1 = 16" is not taken for an equation. "=" before it is fine,
// as in "total = 12 + 30 = 42".
const NOT_PRECEDED_BY = String.raw`(?<![\w.]|\d,|[-+*/×÷^]${GAP}|\d${GAP}x${GAP})`;

// Likewise, the result must not continue as a longer expression ("= 5 * 2")
// or run into a word or more digits ("= 42kg", "= 4,20").
const NOT_FOLLOWED_BY = String.raw`(?!\w|[.,]\d|${GAP}[-+*x×/÷^]${GAP}[\d(])`;

const EQUATION = new RegExp(
  `${NOT_PRECEDED_BY}(${NUMBER})${GAP}(${OPERATOR})${GAP}(${NUMBER})${GAP}=${GAP}(${NUMBER})${NOT_FOLLOWED_BY}`,
  'g',
);

const THINK_BLOCK = /<think>([\s\S]*?)(?:<\/think>|$)/g;

/** Error for a rollout group that lacks the fields the grader needs. */
class InvalidGroupError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InvalidGroupError';
  }
}

/**
 * Returns the text the grader checks: the content of every <think> block (an
 * unclosed block runs to the end), or the whole text when there is none.
 * Only the first MAX_GRADED_CHARS characters of the completion are read.
 */
function reasoningText(completionText) {
  const text = completionText.slice(0, MAX_GRADED_CHARS);
  const blocks = [];
  for (const match of text.matchAll(THINK_BLOCK)) {
    blocks.push(match[1]);
  }
  // If the prompt already opened the think block, the completion only has
  // the closing tag: everything before it is reasoning.
  if (blocks.length === 0) {
    const close = text.indexOf('</think>');
    return close >= 0 ? text.slice(0, close) : text;
  }
  return blocks.join('\n');
}

function parseNumber(written) {
  return Number(written.replace(/,/g, ''));
}

function apply(a, operator, b) {
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
    case 'x':
    case '×':
      return a * b;
    case '/':
    case '÷':
      return b === 0 ? NaN : a / b;
    default:
      throw new Error(`unknown operator ${operator}`);
  }
}

function nearlyEqual(expected, written) {
  if (!Number.isFinite(expected) || !Number.isFinite(written)) {
    return false;
  }
  const scale = Math.max(Math.abs(expected), Math.abs(written));
  return Math.abs(expected - written) <= RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE;
}

/**
 * Finds every simple equation in the text and whether its arithmetic holds.
 * @param {string} text
 * @returns {{text: string, correct: boolean}[]}
 */
function findEquations(text) {
  const equations = [];
  for (const match of text.matchAll(EQUATION)) {
    const [whole, a, operator, b, c] = match;
    const expected = apply(parseNumber(a), operator, parseNumber(b));
    equations.push({ text: whole, correct: nearlyEqual(expected, parseNumber(c)) });
  }
  return equations;
}

/**
 * Scores one completion: the share of correct equations, or null when it
 * has none.
 * @param {string} completionText
 * @returns {{score: number|null, checked: number}}
 */
function scoreCompletion(completionText) {
  const equations = findEquations(reasoningText(completionText));
  if (equations.length === 0) {
    return { score: null, checked: 0 };
  }
  const correct = equations.filter((equation) => equation.correct).length;
  return { score: correct / equations.length, checked: equations.length };
}

/**
 * Returns the group id of a rollout group.
 * @param {unknown} group decoded RolloutGroup JSON
 * @throws {InvalidGroupError} when prompt.group_id is missing or blank
 */
function groupIdOf(group) {
  if (group === null || typeof group !== 'object' || Array.isArray(group)) {
    throw new InvalidGroupError('invalid message: expected a JSON object');
  }
  const prompt = group.prompt;
  if (prompt === null || typeof prompt !== 'object' || Array.isArray(prompt)) {
    throw new InvalidGroupError("missing field 'prompt'");
  }
  if (typeof prompt.group_id !== 'string' || prompt.group_id.trim() === '') {
    throw new InvalidGroupError("missing or blank field 'prompt.group_id'");
  }
  return prompt.group_id;
}

/**
 * Scores every completion of a rollout group, in order.
 * @param {unknown} group decoded RolloutGroup JSON
 * @returns {{scores: (number|null)[], details: {equations_checked: number[]}}}
 * @throws {InvalidGroupError} when prompt.group_id or a completion text is missing
 */
function scoreGroup(group) {
  groupIdOf(group);
  const completions = group.completions;
  if (!Array.isArray(completions)) {
    throw new InvalidGroupError("missing field 'completions'");
  }
  if (completions.length === 0) {
    throw new InvalidGroupError("field 'completions' is empty");
  }
  completions.forEach((completion, i) => {
    if (completion === null || typeof completion !== 'object' || typeof completion.text !== 'string') {
      throw new InvalidGroupError(`missing field 'completions[${i}].text'`);
    }
  });
  const results = completions.map((completion) => scoreCompletion(completion.text));
  return {
    scores: results.map((result) => result.score),
    details: { equations_checked: results.map((result) => result.checked) },
  };
}

module.exports = {
  GRADER_NAME,
  MAX_GRADED_CHARS,
  InvalidGroupError,
  findEquations,
  groupIdOf,
  reasoningText,
  scoreCompletion,
  scoreGroup,
};
