/** A number in a JSON text that is not an exact, safe integer, and where it is. */
export interface InexactNumber {
  /** Dotted path of the value, e.g. `amount` or `items.0.amount`. */
  readonly field: string;
  /** The number as written, shortened when long. */
  readonly text: string;
  /** `fraction`: written with a fraction part or an exponent; `unsafe`: beyond 2^53 - 1. */
  readonly reason: 'fraction' | 'unsafe';
}

type Frame =
  | { readonly array: true; index: number }
  | { readonly array: false; key: string; expectingKey: boolean };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
/** Digits, `.`, `e`, `E`, `+`, `-`: every character a JSON number token can hold. */
const isNumberChar = (code: number): boolean =>
  isDigit(code) ||
  code === 0x2e ||
  code === 0x65 ||
  code === 0x45 ||
  code === 0x2b ||
  code === MINUS;

/** Index just past the string that opens at `start` (a quote); escaped quotes do not end it. */
function endOfString(json: string, start: number): number {
  let index = start + 1;
  while (index < json.length) {
    const code = json.charCodeAt(index);
    if (code === BACKSLASH) index += 2;
    else if (code === QUOTE) return index + 1;
    else index++;
  }
  return json.length;
}

function decodeKey(literal: string): string {
  try {
    const key: unknown = JSON.parse(literal);
    return typeof key === 'string' ? key : literal;
  } catch {
    return literal.slice(1, -1);
  }
}

const pathOf = (stack: readonly Frame[]): string =>
  stack.map((frame) => (frame.array ? String(frame.index) : frame.key)).join('.');

const shorten = (token: string): string => (token.length > 32 ? `${token.slice(0, 32)}…` : token);

/**
 * The first number token of a JSON text (outside strings) that is not an exact, safe
 * integer: one with a fraction part or an exponent (even `100.0` or `1e2`), or whose value is
 * beyond Number.MAX_SAFE_INTEGER. JSON.parse rounds `100.000000000000001` to 100 and
 * `9007199254740993` to 9007199254740992, so only the source text shows what the client
 * meant. Meant for text JSON.parse has accepted; one pass, no recursion.
 */
export function findInexactNumber(json: string): InexactNumber | undefined {
  const stack: Frame[] = [];
  let index = 0;
  while (index < json.length) {
    const code = json.charCodeAt(index);
    const top = stack[stack.length - 1];
    if (code === QUOTE) {
      const end = endOfString(json, index);
      if (top && !top.array && top.expectingKey) top.key = decodeKey(json.slice(index, end));
      index = end;
      continue;
    }
    if (code === MINUS || isDigit(code)) {
      let end = index + 1;
      while (end < json.length && isNumberChar(json.charCodeAt(end))) end++;
      const token = json.slice(index, end);
      if (/[.eE]/.test(token))
        return { field: pathOf(stack), text: shorten(token), reason: 'fraction' };
      if (!Number.isSafeInteger(Number(token)))
        return { field: pathOf(stack), text: shorten(token), reason: 'unsafe' };
      index = end;
      continue;
    }
    switch (json[index]) {
      case '{':
        stack.push({ array: false, key: '', expectingKey: true });
        break;
      case '[':
        stack.push({ array: true, index: 0 });
        break;
      case '}':
      case ']':
        stack.pop();
        break;
      case ',':
        if (top?.array) top.index++;
        else if (top) top.expectingKey = true;
        break;
      case ':':
        if (top && !top.array) top.expectingKey = false;
        break;
    }
    index++;
  }
  return undefined;
}
