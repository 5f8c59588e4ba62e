/**
 * Rule-driven FHIR de-identification in the manner of Microsoft's FHIR Tools for Anonymization
 * (https://github.com/microsoft/Tools-for-Health-Data-Anonymization, docs/FHIR-anonymization.md).
 *
 * Semantics kept from Microsoft's engine (`AnonymizationVisitor`):
 * - each resource (and each nested resource: Bundle entries, contained) is processed on its own;
 *   a rule applies when its leading type is the resource's type, `Resource`, `DomainResource` or none;
 * - rules run in order; a matched element is processed with all its descendants, and an element that
 *   an earlier rule processed (including `keep`) is never touched again: the first matching rule wins;
 * - `nodesByType('T')` / `nodesByName('n')` select every element of FHIR type T / name n in the resource;
 * - redact honours enablePartialDatesForRedact (keep the year unless it implies an age over 89),
 *   enablePartialAgesForRedact (Age ≤ 89 kept), enablePartialZipCodesForRedact (3 digits kept, all
 *   zeros for restricted areas); dateShift moves full dates by one offset in [−50, 50] per resource set
 *   and zeroes the time of day, redacting (partially) what has no day or implies an age over 89;
 *   cryptoHash hashes the id part of references so links survive; emptied elements are pruned; each
 *   top-level and entry resource gets `meta.security` labels naming what was done.
 *
 * Keys are Aegle's (keys.ts): a config key string ("123") or the caller's secret becomes a
 * Pseudonymizer; cryptoHash is hex HMAC-SHA-256, encrypt is an AES-256-GCM `tok1.` token, date offsets
 * are HMAC-derived. So values differ from Microsoft's, behaviour does not.
 */
import { createHash } from 'node:crypto';
import { createError } from '../../core/index.js';
import '../errors.js';
import { type Pseudonymizer, createPseudonymizer, parseKey } from '../keys.js';
import { RESTRICTED_ZIP3 } from '../table.js';
import { redactText } from '../text/index.js';
import { type FhirAnonymizerConfig, type FhirRule, parseFhirAnonymizerConfig } from './config.js';
import {
  type Json,
  type JsonObject,
  type ResourceTree,
  type TreeNode,
  buildTree,
  fhirType,
  fhirpath,
  getAt,
  isObject,
  isQuantityType,
  nodesOf,
  r4Model,
  setAt,
} from './tree.js';

/** What was done to elements; each maps to a security label. */
export type FhirOperation =
  | 'redact'
  | 'abstract'
  | 'cryptoHash'
  | 'encrypt'
  | 'perturb'
  | 'substitute'
  | 'generalize';

const V3 = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
/** Microsoft's labels (SecurityLabels.cs), in Microsoft's order; `CRYTOHASH` is their spelling. */
const LABELS: ReadonlyArray<[FhirOperation, JsonObject]> = [
  ['redact', { system: V3, code: 'REDACTED', display: 'redacted' }],
  ['abstract', { system: V3, code: 'ABSTRED', display: 'abstracted' }],
  ['cryptoHash', { system: V3, code: 'CRYTOHASH', display: 'cryptographic hash function' }],
  ['encrypt', { code: 'ENCRYPT', display: 'exact value is transformed into ciphertext' }],
  ['perturb', { code: 'PERTURBED', display: 'exact value is replaced with another exact value' }],
  ['substitute', { code: 'SUBSTITUTED', display: 'exact value is replaced with a predefined value' }],
  ['generalize', { code: 'GENERALIZED', display: 'exact value is replaced with a general value' }],
];

export interface FhirDeidOptions {
  /**
   * Aegle's secret, used for any of dateShift / cryptoHash / encrypt / perturb whose key the config
   * does not give. A function is called only when such a key is needed.
   */
  pseudonymizer?: Pseudonymizer | (() => Pseudonymizer);
  /** The date-shift scope key for `dateShiftScope` file/folder (the file or folder name). */
  dateShiftKeyPrefix?: string;
  /** "Now" for the over-89 test (default: the current date). */
  now?: Date;
}

export interface FhirDeidResult {
  resource: JsonObject;
  /** Elements processed, by operation. */
  operations: Record<FhirOperation, number>;
}

interface Compiled {
  rule: FhirRule;
  run: (r: JsonObject) => unknown[];
}

type Counts = Record<FhirOperation, number>;
const zeroCounts = (): Counts => ({
  redact: 0,
  abstract: 0,
  cryptoHash: 0,
  encrypt: 0,
  perturb: 0,
  substitute: 0,
  generalize: 0,
});

// nodesByType / nodesByName are Microsoft's extensions; here they become descendants() filtered by a
// user function that sees fhirpath.js's typed nodes.
interface FpLike {
  propName?: string | null;
  fhirNodeDataType?: string | null;
  data: unknown;
  parentResNode: FpLike | null;
}
const userInvocationTable = {
  aegleOfType: {
    fn: (inputs: FpLike[], t: string) => inputs.filter((n) => n && fhirType(n, null) === t),
    arity: { 1: ['String'] },
    internalStructures: true,
  },
  aegleNamed: {
    fn: (inputs: FpLike[], name: string) =>
      inputs.filter((n) => {
        const p = n?.propName ?? '';
        return p === name || (p.startsWith(name) && /^[A-Z]/.test(p.slice(name.length)));
      }),
    arity: { 1: ['String'] },
    internalStructures: true,
  },
};

/** Rewrites Microsoft's `nodesByType('T')` / `nodesByName('n')` into standard FHIRPath plus a filter. */
export function rewriteNodesBy(path: string): string {
  return path
    .replace(/\bnodesByType\(\s*(['"])([A-Za-z0-9]+)\1\s*\)/g, "descendants().aegleOfType('$2')")
    .replace(/\bnodesByName\(\s*(['"])([A-Za-z0-9]+)\1\s*\)/g, "descendants().aegleNamed('$2')");
}

function compileRule(rule: FhirRule): Compiled {
  if (rule.wholeResource) return { rule, run: () => [] };
  try {
    const fn = fhirpath.compile(rewriteNodesBy(rule.path), r4Model, {
      resolveInternalTypes: false,
      userInvocationTable,
    } as Parameters<typeof fhirpath.compile>[2]) as (r: unknown) => unknown[];
    return { rule, run: (r) => fn(r) };
  } catch (e) {
    throw createError('AEGLE_PRIVACY_FHIR_RULE', {
      path: rule.path,
      reason: `not valid FHIRPath (${(e as Error).message.split('\n')[0]})`,
    });
  }
}

/**
 * The Pseudonymizer for a config key string: a 32-byte key (64 hex / base64) is used as is; any other
 * string (Microsoft's samples use "123") is stretched by SHA-256. A short key is guessable: use it
 * for tests only.
 */
export function configKeyPseudonymizer(key: string): Pseudonymizer {
  let bytes: Uint8Array;
  try {
    bytes = parseKey(key);
  } catch {
    bytes = new Uint8Array(createHash('sha256').update(key, 'utf8').digest());
  }
  return createPseudonymizer(bytes);
}

/** HMAC domain of cryptoHash: the hash of `v` is `p.hmac(v, FHIR_HASH_DOMAIN)` in hex. */
export const FHIR_HASH_DOMAIN = 'fhir/cryptoHash';

const DATE_RE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/;

function ageOver89(value: string, now: Date): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = m[2] ? Number(m[2]) : 1;
  const d = m[3] ? Number(m[3]) : 1;
  const nm = now.getUTCMonth() + 1;
  const age = now.getUTCFullYear() - y - (nm < mo || (nm === mo && now.getUTCDate() < d) ? 1 : 0);
  return age > 89;
}

function addDays(ymd: string, days: number): string {
  const [y, m, d] = ymd.split('-').map(Number);
  const t = new Date(Date.UTC(2000, m - 1, d) + days * 86_400_000);
  // Shift the year separately so years before 100 keep their digits.
  const year = y + (t.getUTCFullYear() - 2000);
  return `${String(year).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

const REF_PATTERNS: RegExp[] = [
  /^(?<prefix>(?:https?:\/\/[A-Za-z0-9\\/.:%$]*)?[A-Z][A-Za-z]+\/)(?<id>[A-Za-z0-9\-.]{1,64})(?<suffix>\/_history\/[A-Za-z0-9\-.]{1,64})?$/,
  /^(?<prefix>urn:oid:)(?<id>[0-2](?:\.(?:0|[1-9][0-9]*))+)(?<suffix>)$/,
  /^(?<prefix>urn:uuid:)(?<id>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?<suffix>)$/,
];

/** Applies `f` to the id part of a literal reference (`Patient/23`, `urn:uuid:…`, `#x`), else to all of it. */
export function transformReferenceId(ref: string, f: (id: string) => string): string {
  if (ref.startsWith('#')) return `#${f(ref.slice(1))}`;
  for (const re of REF_PATTERNS) {
    const m = re.exec(ref);
    if (m?.groups) return `${m.groups.prefix}${f(m.groups.id)}${m.groups.suffix ?? ''}`;
  }
  return f(ref);
}

/** A compiled anonymizer: parse and compile the config once, run it on many resources. */
export interface FhirAnonymizer {
  readonly config: FhirAnonymizerConfig;
  /** De-identifies one resource or Bundle (the input is not modified). */
  deidentify(resource: unknown, options?: { dateShiftKeyPrefix?: string }): FhirDeidResult;
}

/**
 * Compiles a Microsoft-format configuration (parsed JSON or an already-parsed config).
 * Throws AEGLE_PRIVACY_FHIR_RULE for a bad rule, a FHIRPath that does not parse, or a missing key.
 */
export function createFhirAnonymizer(config: unknown, options: FhirDeidOptions = {}): FhirAnonymizer {
  const cfg =
    isObject(config) && Array.isArray((config as { rules?: unknown }).rules) && 'parameters' in config
      ? (config as unknown as FhirAnonymizerConfig)
      : parseFhirAnonymizerConfig(config);
  const compiled = cfg.rules.map(compileRule);
  const prm = cfg.parameters;
  const now = options.now ?? new Date();
  const restricted = new Set(prm.restrictedZipCodeTabulationAreas ?? RESTRICTED_ZIP3);
  const cache = new Map<string, Pseudonymizer>();
  let fallback: Pseudonymizer | undefined;
  const keyed = (key: string | undefined, what: string, rule: FhirRule): Pseudonymizer => {
    if (key) {
      let p = cache.get(key);
      if (!p) cache.set(key, (p = configKeyPseudonymizer(key)));
      return p;
    }
    if (!fallback) {
      const o = options.pseudonymizer;
      fallback = typeof o === 'function' ? o() : o;
    }
    if (!fallback)
      throw createError('AEGLE_PRIVACY_FHIR_RULE', {
        path: rule.path,
        reason: `${rule.method} needs parameters.${what} in the config or AEGLE_SECRET_KEY`,
      });
    return fallback;
  };
  // Fail fast on missing keys, before any data is read.
  for (const r of cfg.rules) {
    if (r.method === 'dateShift') keyed(prm.dateShiftKey, 'dateShiftKey', r);
    if (r.method === 'cryptoHash') keyed(prm.cryptoHashKey, 'cryptoHashKey', r);
    if (r.method === 'encrypt') keyed(prm.encryptKey, 'encryptKey', r);
    if (r.method === 'perturb') keyed(prm.cryptoHashKey, 'cryptoHashKey', r);
  }

  function deidentify(input: unknown, runOpts: { dateShiftKeyPrefix?: string } = {}): FhirDeidResult {
    if (!isObject(input) || typeof input.resourceType !== 'string' || !input.resourceType) {
      throw createError('AEGLE_PRIVACY_BAD_INPUT', {
        what: 'FHIR input',
        reason: 'expected a JSON object with a resourceType',
      });
    }
    const original = input as JsonObject;
    const working = structuredClone(original);
    const counts = zeroCounts();
    const prefix =
      prm.dateShiftScope === 'resource'
        ? typeof original.id === 'string'
          ? original.id
          : ''
        : (runOpts.dateShiftKeyPrefix ?? options.dateShiftKeyPrefix ?? '');

    const processResource = (orig: JsonObject, work: JsonObject, tagged: boolean): Set<FhirOperation> => {
      let tree: ResourceTree;
      try {
        tree = buildTree(orig);
      } catch (e) {
        throw createError('AEGLE_PRIVACY_BAD_INPUT', {
          what: `FHIR ${String(orig.resourceType)}`,
          reason: `cannot be read as R4 (${(e as Error).message.split('\n')[0]})`,
        });
      }
      const done = new Set<FhirOperation>();
      for (const n of tree.nested)
        if (n.parent) nestedBy.set(n.parent, [...(nestedBy.get(n.parent) ?? []), n]);
      for (const n of tree.nested) {
        const o = getAt(orig, n.steps);
        const w = getAt(work, n.steps);
        if (isObject(o) && isObject(w))
          for (const op of processResource(o, w, n.key !== 'contained')) done.add(op);
      }
      const visited = new Set<TreeNode>();
      const type = String(orig.resourceType);
      for (const c of compiled) {
        const rt = c.rule.resourceType;
        if (rt && rt !== type && rt !== 'Resource' && rt !== 'DomainResource') continue;
        let matches: TreeNode[];
        if (c.rule.wholeResource) matches = [tree.root];
        else {
          try {
            matches = nodesOf(c.run(orig), tree);
          } catch (e) {
            throw createError('AEGLE_PRIVACY_FHIR_RULE', {
              path: c.rule.path,
              reason: `evaluation failed on a ${type} (${(e as Error).message.split('\n')[0]})`,
            });
          }
        }
        for (const m of matches) processRecursive(m, c.rule, work, visited, done);
      }
      if (tagged && done.size) addSecurityLabels(work, done);
      return done;
    };

    const record = (done: Set<FhirOperation>, op: FhirOperation | null) => {
      if (!op) return;
      done.add(op);
      counts[op]++;
    };

    const processRecursive = (
      node: TreeNode,
      rule: FhirRule,
      work: JsonObject,
      visited: Set<TreeNode>,
      done: Set<FhirOperation>,
    ): void => {
      if (visited.has(node)) return;
      record(done, processNode(node, rule, work, visited));
      visited.add(node);
      for (const ch of node.children) processRecursive(ch, rule, work, visited, done);
      if (rule.method === 'redact') record(done, scrubUnread(node, work));
    };

    // What the R4 model cannot read (unknown or malformed elements) is invisible to FHIRPath; a redact
    // of the element holding it removes it rather than letting it through.
    const scrubUnread = (node: TreeNode, work: JsonObject): FhirOperation | null => {
      const steps = node.primitive
        ? [...node.steps.slice(0, -1), [`_${node.key}`, node.index] as const]
        : node.steps;
      const obj = getAt(work, steps);
      if (!isObject(obj)) return null;
      const known = new Set<string>(['resourceType']);
      for (const ch of [...node.children, ...(nestedBy.get(node) ?? [])]) {
        known.add(ch.key);
        if (ch.primitive && ch.children.length) known.add(`_${ch.key}`);
      }
      const primKeys = new Set(node.children.filter((c) => c.primitive).map((c) => c.key));
      const arrays = new Set(node.children.filter((c) => c.index !== null).map((c) => `_${c.key}`));
      let removed = false;
      for (const k of Object.keys(obj)) {
        const v = obj[k];
        if (!known.has(k) || (k.startsWith('_') && Array.isArray(v) !== arrays.has(k))) {
          delete obj[k];
          removed = true;
        } else if (
          primKeys.has(k) &&
          (isObject(v) || (Array.isArray(v) && v.some((x) => typeof x === 'object' && x !== null)))
        ) {
          // A primitive element holding objects or arrays is malformed: nothing in it was read.
          delete obj[k];
          removed = true;
        } else if (k.startsWith('_') && Array.isArray(v)) {
          v.forEach((x, i) => {
            if (x !== null && !isObject(x)) {
              v[i] = null;
              removed = true;
            }
          });
        } else if (k.startsWith('_') && !isObject(v)) {
          delete obj[k];
          removed = true;
        }
      }
      return removed ? 'redact' : null;
    };
    const nestedBy = new Map<TreeNode, TreeNode[]>();

    const markSubtree = (node: TreeNode, visited: Set<TreeNode>) => {
      visited.add(node);
      for (const ch of node.children) markSubtree(ch, visited);
    };

    const redactDate = (value: string): string | undefined =>
      prm.enablePartialDatesForRedact && DATE_RE.test(value) && !ageOver89(value, now)
        ? (DATE_RE.exec(value) as RegExpExecArray)[1]
        : undefined;

    const redact = (node: TreeNode, value: Json, work: JsonObject): FhirOperation => {
      const t = node.type;
      if ((t === 'date' || t === 'dateTime' || t === 'instant') && typeof value === 'string') {
        setAt(work, node.steps, redactDate(value));
        return 'redact';
      }
      if (t === 'decimal' && node.key === 'value' && node.parent?.type === 'Age') {
        if (!prm.enablePartialAgesForRedact || !(Number(value) <= 89)) setAt(work, node.steps, undefined);
        return 'redact';
      }
      if (node.key === 'postalCode' && node.parent?.type === 'Address' && typeof value === 'string') {
        if (!prm.enablePartialZipCodesForRedact) {
          setAt(work, node.steps, undefined);
          return 'redact';
        }
        const z = [...restricted].some((r) => value.startsWith(r))
          ? value.replace(/\d/g, '0')
          : value.length >= 3
            ? value.slice(0, 3) + value.slice(3).replace(/\d/g, '0')
            : value;
        setAt(work, node.steps, z);
        return 'abstract';
      }
      setAt(work, node.steps, undefined);
      return 'redact';
    };

    const dateShift = (
      node: TreeNode,
      value: Json,
      work: JsonObject,
      rule: FhirRule,
    ): FhirOperation | null => {
      const t = node.type;
      if ((t !== 'date' && t !== 'dateTime' && t !== 'instant') || typeof value !== 'string') return null;
      const m = /^(\d{4}-\d{2}-\d{2})(.*)$/.exec(value);
      if (!m || ageOver89(value, now)) return redact(node, value, work);
      const days = keyed(prm.dateShiftKey, 'dateShiftKey', rule).dateOffsetDays(`fhir:${prefix}`, 50);
      const rest = m[2].replace(/^T\d{2}:\d{2}:\d{2}(?:\.\d+)?/, (s) => s.replace(/\d/g, '0'));
      setAt(work, node.steps, addDays(m[1], days) + (t === 'date' ? '' : rest));
      return 'perturb';
    };

    const perturb = (
      node: TreeNode,
      work: JsonObject,
      visited: Set<TreeNode>,
      rule: FhirRule,
    ): FhirOperation | null => {
      const numeric = ['decimal', 'integer', 'positiveInt', 'unsignedInt'];
      let target: TreeNode | undefined;
      if (numeric.includes(node.type)) target = node;
      else if (isQuantityType(node.type)) target = node.children.find((c) => c.key === 'value');
      if (!target || visited.has(target)) return null;
      const v = getAt(work, target.steps);
      if (typeof v !== 'number' || !Number.isFinite(v)) return null;
      const s = rule.settings;
      const span = (s.rangeType === 'proportional' ? Math.abs(v) : 1) * (s.span as number);
      const integer = target.type !== 'decimal';
      const roundTo = integer ? 0 : ((s.roundTo as number | undefined) ?? 2);
      // Keyed, reproducible noise: uniform in [−span/2, span/2] from an HMAC of where and what.
      const h = keyed(prm.cryptoHashKey, 'cryptoHashKey', rule).hmac(
        `${prefix}\u0000${target.loc}\u0000${v}`,
        'fhir/perturb',
      );
      const u = h.readUInt32BE(0) / 2 ** 32;
      let out = Number((v + (u - 0.5) * span).toFixed(roundTo));
      if (target.type === 'positiveInt' && out <= 0) out = 1;
      if (target.type === 'unsignedInt' && out < 0) out = 0;
      setAt(work, target.steps, out);
      markSubtree(node, visited);
      return 'perturb';
    };

    const generalize = (
      node: TreeNode,
      value: Json,
      work: JsonObject,
      rule: FhirRule,
    ): FhirOperation | null => {
      if (value === null || typeof value === 'object') return null;
      const base: Record<string, string> = {
        date: 'Patient.birthDate',
        dateTime: 'Patient.deceasedDateTime',
        instant: 'Observation.issued',
        time: 'Observation.valueTime',
      };
      const ev = (expr: string): unknown[] => {
        try {
          const b = base[node.type];
          return fhirpath.evaluate(
            value,
            b ? { base: b, expression: expr } : expr,
            undefined,
            r4Model,
          ) as unknown[];
        } catch (e) {
          throw createError('AEGLE_PRIVACY_FHIR_RULE', {
            path: rule.path,
            reason: `generalize expression '${expr}' failed (${(e as Error).message.split('\n')[0]})`,
          });
        }
      };
      for (const [cond, out] of Object.entries(rule.settings.cases as Record<string, string>)) {
        if (ev(cond)[0] === true) {
          const r = ev(out)[0];
          setAt(work, node.steps, r === undefined ? undefined : (r as Json));
          return 'generalize';
        }
      }
      if (rule.settings.otherValues !== 'keep') setAt(work, node.steps, undefined);
      return 'generalize';
    };

    const substitute = (
      node: TreeNode,
      value: Json | undefined,
      work: JsonObject,
      visited: Set<TreeNode>,
      rule: FhirRule,
    ): FhirOperation => {
      const rw = rule.settings.replaceWith;
      if (node.primitive) {
        const s = typeof rw === 'string' ? rw : JSON.stringify(rw);
        const asNum = Number(s);
        setAt(work, node.steps, typeof value === 'number' && s.trim() && Number.isFinite(asNum) ? asNum : s);
      } else {
        let repl: unknown = rw;
        if (typeof rw === 'string') {
          try {
            repl = JSON.parse(rw);
          } catch {
            throw createError('AEGLE_PRIVACY_FHIR_RULE', {
              path: rule.path,
              reason: 'replaceWith for a complex element must be a JSON object',
            });
          }
        }
        const next: JsonObject = isObject(repl as Json) ? structuredClone(repl as JsonObject) : {};
        // Keep what earlier rules already processed (Microsoft keeps those nodes too).
        const cur = getAt(work, node.steps);
        if (isObject(cur))
          for (const ch of node.children) {
            if (ch.key in next || !hasVisited(ch, visited)) continue;
            next[ch.key] = cur[ch.key];
            if (`_${ch.key}` in cur) next[`_${ch.key}`] = cur[`_${ch.key}`];
          }
        setAt(work, node.steps, next);
      }
      markSubtree(node, visited);
      return 'substitute';
    };

    const processNode = (
      node: TreeNode,
      rule: FhirRule,
      work: JsonObject,
      visited: Set<TreeNode>,
    ): FhirOperation | null => {
      if (node.parent === null) return null; // the resource itself: only its elements are processed
      const value = getAt(work, node.steps);
      if (rule.method === 'substitute') return substitute(node, value, work, visited, rule);
      if (rule.method === 'perturb') return perturb(node, work, visited, rule);
      if (!node.primitive || value === undefined || value === null || value === '') return null;
      switch (rule.method) {
        case 'keep':
          return null;
        case 'redact':
          return redact(node, value, work);
        case 'dateShift':
          return dateShift(node, value, work, rule);
        case 'cryptoHash': {
          const p = keyed(prm.cryptoHashKey, 'cryptoHashKey', rule);
          const h = (s: string) => p.hmac(s, FHIR_HASH_DOMAIN).toString('hex');
          const s = String(value);
          const isRef = node.key === 'reference' && node.parent?.type === 'Reference';
          setAt(work, node.steps, isRef ? transformReferenceId(s, h) : h(s));
          return 'cryptoHash';
        }
        case 'encrypt':
          setAt(work, node.steps, keyed(prm.encryptKey, 'encryptKey', rule).token(String(value)));
          return 'encrypt';
        case 'generalize':
          return generalize(node, value, work, rule);
        case 'redactText': {
          if (typeof value !== 'string' || node.type === 'xhtml') return null;
          const r = redactText(value);
          if (r.text === value) return null;
          setAt(work, node.steps, r.text);
          return 'redact';
        }
      }
      return null;
    };

    processResource(original, working, true);
    prune(working);
    return { resource: working, operations: counts };
  }

  return { config: cfg, deidentify };
}

function hasVisited(n: TreeNode, visited: Set<TreeNode>): boolean {
  return visited.has(n) || n.children.some((c) => hasVisited(c, visited));
}

function addSecurityLabels(resource: JsonObject, done: Set<FhirOperation>): void {
  const meta = isObject(resource.meta) ? resource.meta : {};
  const security = Array.isArray(meta.security) ? meta.security : [];
  for (const [op, coding] of LABELS) {
    if (!done.has(op)) continue;
    if (security.some((s) => isObject(s) && String(s.code).toUpperCase() === coding.code)) continue;
    security.push({ ...coding });
  }
  meta.security = security;
  if (!isObject(resource.meta)) {
    // Put meta where FHIR JSON usually has it: after resourceType and id.
    const rest = Object.entries(resource).filter(([k]) => k !== 'resourceType' && k !== 'id');
    for (const [k] of rest) delete resource[k];
    resource.meta = meta;
    for (const [k, v] of rest) resource[k] = v;
  }
}

/** Removes emptied values: nulls, empty strings left by redaction, empty objects and arrays (keeping `_x` twins aligned). */
function prune(v: Json): boolean {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!prune(v[i])) v[i] = null;
    return v.some((x) => x !== null);
  }
  if (!isObject(v)) return v !== null && v !== undefined && v !== '';
  for (const k of Object.keys(v)) if (!prune(v[k])) delete v[k];
  // Realign primitive arrays with their `_x` metadata arrays after removals.
  for (const k of Object.keys(v)) {
    if (k.startsWith('_') || !Array.isArray(v[k])) continue;
    const a = v[k] as Json[];
    const meta = Array.isArray(v[`_${k}`]) ? (v[`_${k}`] as Json[]) : null;
    const keep = a.map((x, i) => x !== null || (meta !== null && meta[i] !== null && meta[i] !== undefined));
    if (keep.every(Boolean)) continue;
    v[k] = a.filter((_, i) => keep[i]);
    if (meta) v[`_${k}`] = meta.filter((_, i) => keep[i]);
    if (!meta && !(v[k] as Json[]).length) delete v[k];
    if (meta && !(v[`_${k}`] as Json[]).some((x) => x !== null)) delete v[`_${k}`];
  }
  for (const k of Object.keys(v)) {
    if (!k.startsWith('_') || !Array.isArray(v[k]) || Array.isArray(v[k.slice(1)])) continue;
    const a = (v[k] as Json[]).filter((x) => x !== null);
    if (!a.length) delete v[k];
  }
  if (typeof v.resourceType === 'string') return true;
  return Object.keys(v).length > 0;
}

/** De-identifies one resource or Bundle under a Microsoft-format config (see `createFhirAnonymizer`). */
export function deidentifyFhir(
  resource: unknown,
  config: unknown,
  options: FhirDeidOptions = {},
): FhirDeidResult {
  return createFhirAnonymizer(config, options).deidentify(resource, options);
}

/**
 * De-identifies FHIR NDJSON (one resource per line, as in Bulk Data exports). Blank lines are skipped;
 * a line that is not JSON is a coded error naming the line (never its content).
 */
export function deidentifyFhirNdjson(
  text: string,
  anonymizer: FhirAnonymizer,
  options: { dateShiftKeyPrefix?: string; source?: string } = {},
): { text: string; resources: number; operations: Record<FhirOperation, number> } {
  const out: string[] = [];
  const total = zeroCounts();
  text.split(/\r?\n/).forEach((line, k) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      throw createError('AEGLE_PRIVACY_BAD_INPUT', {
        what: `${options.source ?? 'NDJSON'} line ${k + 1}`,
        reason: 'not valid JSON',
      });
    }
    const r = anonymizer.deidentify(obj, options);
    for (const op of Object.keys(total) as FhirOperation[]) total[op] += r.operations[op];
    out.push(JSON.stringify(r.resource));
  });
  return { text: out.length ? `${out.join('\n')}\n` : '', resources: out.length, operations: total };
}
