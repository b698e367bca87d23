// Strata plugin SDK for AssemblyScript: a KRM function compiled with asc and
// @assemblyscript/wasi-shim to a wasm32-wasip1 command (plugins/ABI.md). It reads
// the ResourceList (JSON) on stdin and writes one on stdout; items stay the text they
// arrived as until the plugin changes them, so untouched items go back byte for byte.

import { Value, Obj, Arr, Str, Reader, quote, OBJECT, STRING } from "./json";
export { Value, Obj, Arr, Str, Num, Bool, Null, Reader } from "./json";

/** The plugin ABI this SDK speaks; the host's is the same string. */
export const ABI_VERSION = "strata.dev/plugin-abi/v2";

/** Annotations under this prefix belong to the host: keep them as they are. */
export const INTERNAL_ANNOTATION_PREFIX = "internal.config.kubernetes.io/";

export const SEVERITY_ERROR = "error";
export const SEVERITY_WARNING = "warning";
export const SEVERITY_INFO = "info";

/** One entry of the output's results list. */
export class Result {
  constructor(
    public severity: string,
    public message: string,
    public kind: string = "",
    public name: string = "",
    public namespace: string = "",
  ) {}

  write(out: Array<string>): void {
    out.push("{\"message\":");
    quote(this.message, out);
    out.push(",\"severity\":");
    quote(this.severity, out);
    if (this.kind.length > 0 || this.name.length > 0) {
      out.push(",\"resourceRef\":{\"kind\":");
      quote(this.kind, out);
      out.push(",\"name\":");
      quote(this.name, out);
      if (this.namespace.length > 0) {
        out.push(",\"namespace\":");
        quote(this.namespace, out);
      }
      out.push("}");
    }
    out.push("}");
  }
}

/** The value at a path of keys in nested objects, or null. */
export function lookup(v: Value | null, path: Array<string>): Value | null {
  let cur = v;
  for (let i = 0; i < path.length; i++) {
    if (cur == null || cur.kind != OBJECT) return null;
    cur = changetype<Obj>(cur).get(path[i]);
  }
  return cur;
}

/** The string at a path, or "" when absent or not a string. */
export function stringAt(v: Value | null, path: Array<string>): string {
  const x = lookup(v, path);
  if (x == null || x.kind != STRING) return "";
  return changetype<Str>(x).value;
}

/** One item: its input text until it is changed, parsed on first read. */
export class Resource {
  raw: string = "";
  parsed: Obj | null = null;
  changed: bool = false;
  error: string = "";

  static fromObject(o: Obj): Resource {
    const r = new Resource();
    r.parsed = o;
    r.changed = true;
    return r;
  }

  /** The item for reading (its text is kept). */
  get value(): Obj {
    if (this.parsed == null) {
      const rd = new Reader(this.raw);
      const v = rd.value();
      if (rd.error.length > 0 || v.kind != OBJECT) {
        this.error = rd.error.length > 0 ? rd.error : "item is not an object";
        this.parsed = new Obj();
      } else {
        this.parsed = changetype<Obj>(v);
      }
    }
    return changetype<Obj>(this.parsed);
  }

  /** The item for changing: it will be written from this object. */
  mutable(): Obj {
    const o = this.value;
    this.changed = true;
    return o;
  }

  getString(path: Array<string>): string { return stringAt(this.value, path); }
  get kind(): string { return this.getString(["kind"]); }
  get name(): string { return this.getString(["metadata", "name"]); }
  get namespace(): string { return this.getString(["metadata", "namespace"]); }

  /** Sets a string at a path, creating objects on the way; false when a non-object is in the way. */
  setString(path: Array<string>, value: string): bool {
    let o = this.mutable();
    for (let i = 0; i < path.length - 1; i++) {
      let next = o.get(path[i]);
      if (next == null || next.kind != OBJECT) {
        if (next != null && next.kind != 0) return false;
        const made = new Obj();
        o.set(path[i], made);
        next = made;
      }
      o = changetype<Obj>(next);
    }
    o.set(path[path.length - 1], new Str(value));
    return true;
  }

  write(out: Array<string>): void {
    if (!this.changed) out.push(this.raw);
    else this.value.write(out);
  }
}

/** What a plugin reads and writes. */
export class ResourceList {
  items: Array<Resource> = new Array<Resource>();
  functionConfig: Obj = new Obj();
  results: Array<Result> = new Array<Result>();
  error: string = "";

  /** Reads a JSON ResourceList; `error` says why when it cannot. */
  static parse(text: string): ResourceList {
    const rl = new ResourceList();
    const rd = new Reader(text);
    rd.ws();
    if (rd.peek() != 0x7b) {
      rl.error = "the input is not a JSON ResourceList (the AssemblyScript SDK reads JSON, which Strata sends)";
      return rl;
    }
    rd.pos++;
    let kind = "";
    rd.ws();
    if (rd.peek() == 0x7d) rd.pos++;
    else while (rd.error.length == 0) {
      rd.ws();
      if (rd.peek() != 0x22) { rd.fail("expected a key"); break; }
      const key = rd.readString();
      rd.ws();
      if (rd.peek() != 0x3a) { rd.fail("expected ':'"); break; }
      rd.pos++;
      rd.ws();
      if (key == "items" && rd.peek() == 0x5b) {
        rd.pos++;
        rd.ws();
        if (rd.peek() == 0x5d) rd.pos++;
        else while (rd.error.length == 0) {
          rd.ws();
          const start = rd.pos;
          rd.skip(1);
          const item = new Resource();
          item.raw = text.substring(start, rd.pos);
          rl.items.push(item);
          rd.ws();
          const n = rd.peek();
          rd.pos++;
          if (n == 0x5d) break;
          if (n != 0x2c) { rd.fail("expected ',' or ']'"); break; }
        }
      } else if (key == "functionConfig") {
        const v = rd.value(1);
        if (v.kind == OBJECT) rl.functionConfig = changetype<Obj>(v);
      } else if (key == "kind") {
        const v = rd.value(1);
        if (v.kind == STRING) kind = changetype<Str>(v).value;
      } else {
        rd.skip(1);
      }
      rd.ws();
      const n = rd.peek();
      rd.pos++;
      if (n == 0x7d) break;
      if (n != 0x2c) { rd.fail("expected ',' or '}'"); break; }
    }
    if (rd.error.length > 0) rl.error = "reading the ResourceList: " + rd.error;
    else if (kind != "ResourceList") rl.error = "the input is a \"" + kind + "\", not a ResourceList";
    return rl;
  }

  /** The functionConfig value at a path, or null. */
  config(path: Array<string>): Value | null { return lookup(this.functionConfig, path); }

  /** The functionConfig string at a path, or "". */
  configString(path: Array<string>): string { return stringAt(this.functionConfig, path); }

  add(severity: string, message: string): void { this.results.push(new Result(severity, message)); }
  addError(message: string): void { this.add(SEVERITY_ERROR, message); }
  addWarning(message: string): void { this.add(SEVERITY_WARNING, message); }
  addInfo(message: string): void { this.add(SEVERITY_INFO, message); }

  /** A result about one item. */
  resultFor(severity: string, item: Resource, message: string): void {
    this.results.push(new Result(severity, message, item.kind, item.name, item.namespace));
  }

  hasErrors(): bool {
    for (let i = 0; i < this.results.length; i++) {
      if (this.results[i].severity == SEVERITY_ERROR) return true;
    }
    return false;
  }

  /** The first item that could not be parsed, as a message, or "". */
  itemError(): string {
    for (let i = 0; i < this.items.length; i++) {
      if (this.items[i].error.length > 0) return "item " + i.toString() + ": " + this.items[i].error;
    }
    return "";
  }

  /** The output ResourceList as JSON text. */
  output(): string {
    const out = new Array<string>();
    out.push("{\"apiVersion\":\"config.kubernetes.io/v1\",\"kind\":\"ResourceList\",\"items\":[");
    for (let i = 0; i < this.items.length; i++) {
      if (i > 0) out.push(",");
      this.items[i].write(out);
    }
    out.push("]");
    if (this.results.length > 0) {
      out.push(",\"results\":[");
      for (let i = 0; i < this.results.length; i++) {
        if (i > 0) out.push(",");
        this.results[i].write(out);
      }
      out.push("]");
    }
    out.push("}\n");
    return out.join("");
  }
}

function readStdin(): string {
  const chunks = new Array<ArrayBuffer>();
  let total = 0;
  while (true) {
    const buf = new ArrayBuffer(1 << 16);
    const n = process.stdin.read(buf);
    if (n <= 0) break;
    chunks.push(buf.slice(0, n));
    total += n;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < chunks.length; i++) {
    all.set(Uint8Array.wrap(chunks[i]), at);
    at += chunks[i].byteLength;
  }
  return String.UTF8.decode(all.buffer);
}

/** Ends the plugin with a message on stderr and exit code 1. */
export function fail(message: string): void {
  process.stderr.write(message + "\n");
  process.exit(1);
}

/**
 * The plugin's main: reads stdin, runs fn, writes stdout. A plugin reports a problem
 * with `rl.addError(...)`; results of severity error end it with exit code 1 after the
 * output is written.
 */
export function run(fn: (rl: ResourceList) => void): void {
  const rl = ResourceList.parse(readStdin());
  if (rl.error.length > 0) {
    fail(rl.error);
    return;
  }
  fn(rl);
  const bad = rl.itemError();
  if (bad.length > 0) {
    fail(bad);
    return;
  }
  process.stdout.write(rl.output());
  if (rl.hasErrors()) process.exit(1);
}
