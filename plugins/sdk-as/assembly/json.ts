// A small JSON reader and writer for KRM plugins: objects keep their key order and
// numbers their spelling, so what a plugin does not change is written as it came.

/** A JSON value; `kind` says which subclass it is. */
export abstract class Value {
  abstract get kind(): i32;
  /** Appends the value's JSON text. */
  abstract write(out: Array<string>): void;
  /** The JSON text. */
  toJSON(): string {
    const out = new Array<string>();
    this.write(out);
    return out.join("");
  }
}

export const NULL: i32 = 0;
export const BOOL: i32 = 1;
export const NUMBER: i32 = 2;
export const STRING: i32 = 3;
export const ARRAY: i32 = 4;
export const OBJECT: i32 = 5;

export class Null extends Value {
  get kind(): i32 { return NULL; }
  write(out: Array<string>): void { out.push("null"); }
}

export class Bool extends Value {
  constructor(public value: bool) { super(); }
  get kind(): i32 { return BOOL; }
  write(out: Array<string>): void { out.push(this.value ? "true" : "false"); }
}

/** A number, kept as its JSON text. */
export class Num extends Value {
  constructor(public text: string) { super(); }
  get kind(): i32 { return NUMBER; }
  write(out: Array<string>): void { out.push(this.text); }
}

export class Str extends Value {
  constructor(public value: string) { super(); }
  get kind(): i32 { return STRING; }
  write(out: Array<string>): void { quote(this.value, out); }
}

export class Arr extends Value {
  items: Array<Value> = new Array<Value>();
  get kind(): i32 { return ARRAY; }
  write(out: Array<string>): void {
    out.push("[");
    for (let i = 0; i < this.items.length; i++) {
      if (i > 0) out.push(",");
      this.items[i].write(out);
    }
    out.push("]");
  }
}

/** An object: keys in their order. */
export class Obj extends Value {
  keys: Array<string> = new Array<string>();
  values: Array<Value> = new Array<Value>();
  get kind(): i32 { return OBJECT; }
  indexOf(key: string): i32 {
    for (let i = 0; i < this.keys.length; i++) {
      if (this.keys[i] == key) return i;
    }
    return -1;
  }
  get(key: string): Value | null {
    const i = this.indexOf(key);
    return i < 0 ? null : this.values[i];
  }
  set(key: string, value: Value): void {
    const i = this.indexOf(key);
    if (i < 0) {
      this.keys.push(key);
      this.values.push(value);
    } else {
      this.values[i] = value;
    }
  }
  write(out: Array<string>): void {
    out.push("{");
    for (let i = 0; i < this.keys.length; i++) {
      if (i > 0) out.push(",");
      quote(this.keys[i], out);
      out.push(":");
      this.values[i].write(out);
    }
    out.push("}");
  }
}

const HEX = "0123456789abcdef";

/** Appends s as a JSON string. */
export function quote(s: string, out: Array<string>): void {
  let start = 0;
  out.push("\"");
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    if (i > start) out.push(s.substring(start, i));
    start = i + 1;
    if (c == 0x22) out.push("\\\"");
    else if (c == 0x5c) out.push("\\\\");
    else if (c == 0x0a) out.push("\\n");
    else if (c == 0x0d) out.push("\\r");
    else if (c == 0x09) out.push("\\t");
    else out.push("\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15));
  }
  if (start < s.length) out.push(s.substring(start));
  out.push("\"");
}

/** The most nesting the reader accepts (as the host's output bound). */
export const MAX_DEPTH: i32 = 128;

/** Reads JSON text; `error` is non-empty when it is not valid. */
export class Reader {
  pos: i32 = 0;
  error: string = "";
  constructor(public text: string) {}

  fail(msg: string): Value {
    if (this.error.length == 0) this.error = msg + " at offset " + this.pos.toString();
    this.pos = this.text.length;
    return new Null();
  }

  ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c == 0x20 || c == 0x0a || c == 0x0d || c == 0x09) this.pos++;
      else break;
    }
  }

  peek(): i32 {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Moves past one value without building it (for items kept as text). */
  skip(depth: i32 = 0): void {
    this.ws();
    const c = this.peek();
    if (depth > MAX_DEPTH) { this.fail("nested too deep"); return; }
    if (c == 0x22) { this.readString(); return; }
    if (c == 0x7b || c == 0x5b) {
      const close = c == 0x7b ? 0x7d : 0x5d;
      this.pos++;
      this.ws();
      if (this.peek() == close) { this.pos++; return; }
      while (this.error.length == 0) {
        if (c == 0x7b) {
          this.ws();
          if (this.peek() != 0x22) { this.fail("expected a key"); return; }
          this.readString();
          this.ws();
          if (this.peek() != 0x3a) { this.fail("expected ':'"); return; }
          this.pos++;
        }
        this.skip(depth + 1);
        this.ws();
        const n = this.peek();
        this.pos++;
        if (n == close) return;
        if (n != 0x2c) { this.fail("expected ',' or a closing bracket"); return; }
      }
      return;
    }
    this.value(depth);
  }

  value(depth: i32 = 0): Value {
    this.ws();
    if (depth > MAX_DEPTH) return this.fail("nested too deep");
    const c = this.peek();
    if (c == 0x7b) {
      this.pos++;
      const o = new Obj();
      this.ws();
      if (this.peek() == 0x7d) { this.pos++; return o; }
      while (this.error.length == 0) {
        this.ws();
        if (this.peek() != 0x22) return this.fail("expected a key");
        const k = this.readString();
        this.ws();
        if (this.peek() != 0x3a) return this.fail("expected ':'");
        this.pos++;
        o.set(k, this.value(depth + 1));
        this.ws();
        const n = this.peek();
        this.pos++;
        if (n == 0x7d) return o;
        if (n != 0x2c) return this.fail("expected ',' or '}'");
      }
      return o;
    }
    if (c == 0x5b) {
      this.pos++;
      const a = new Arr();
      this.ws();
      if (this.peek() == 0x5d) { this.pos++; return a; }
      while (this.error.length == 0) {
        a.items.push(this.value(depth + 1));
        this.ws();
        const n = this.peek();
        this.pos++;
        if (n == 0x5d) return a;
        if (n != 0x2c) return this.fail("expected ',' or ']'");
      }
      return a;
    }
    if (c == 0x22) return new Str(this.readString());
    if (this.word("true")) return new Bool(true);
    if (this.word("false")) return new Bool(false);
    if (this.word("null")) return new Null();
    if (c == 0x2d || (c >= 0x30 && c <= 0x39)) {
      const start = this.pos;
      while (this.pos < this.text.length) {
        const d = this.text.charCodeAt(this.pos);
        if ((d >= 0x30 && d <= 0x39) || d == 0x2d || d == 0x2b || d == 0x2e || d == 0x65 || d == 0x45) this.pos++;
        else break;
      }
      return new Num(this.text.substring(start, this.pos));
    }
    return this.fail("unexpected character");
  }

  word(w: string): bool {
    if (this.text.substr(this.pos, w.length) == w) {
      this.pos += w.length;
      return true;
    }
    return false;
  }

  readString(): string {
    const t = this.text;
    this.pos++;
    let start = this.pos;
    const parts = new Array<string>();
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c == 0x22) {
        parts.push(t.substring(start, this.pos));
        this.pos++;
        return parts.join("");
      }
      if (c == 0x5c) {
        parts.push(t.substring(start, this.pos));
        const e = t.charCodeAt(this.pos + 1);
        this.pos += 2;
        if (e == 0x6e) parts.push("\n");
        else if (e == 0x74) parts.push("\t");
        else if (e == 0x72) parts.push("\r");
        else if (e == 0x62) parts.push("\b");
        else if (e == 0x66) parts.push("\f");
        else if (e == 0x75) {
          const code = I32.parseInt(t.substr(this.pos, 4), 16);
          parts.push(String.fromCharCode(code));
          this.pos += 4;
        } else parts.push(String.fromCharCode(e));
        start = this.pos;
        continue;
      }
      this.pos++;
    }
    this.fail("unterminated string");
    return "";
  }
}
