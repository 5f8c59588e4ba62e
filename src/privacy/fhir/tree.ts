/**
 * A typed view of one FHIR resource, built from fhirpath.js's R4 model: every element with its FHIR
 * type, its place in the JSON and its children, stopping at nested resources (Bundle entries,
 * contained resources), which are de-identified as resources of their own, as Microsoft's tool does.
 * FHIRPath results (fhirpath.js `ResourceNode`s) are mapped back to these nodes by location.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObject = { [k: string]: Json };

/** The parts of fhirpath.js's ResourceNode we read. */
interface FpNode {
  parentResNode: FpNode | null;
  propName?: string | null;
  index?: number | null;
  data: unknown;
  fhirNodeDataType?: string | null;
}

export interface TreeNode {
  /** `name[0].given[1]`; '' for the resource itself. */
  loc: string;
  key: string;
  index: number | null;
  /** FHIR type name: `date`, `HumanName`, `Patient`, … */
  type: string;
  parent: TreeNode | null;
  /** True when the JSON value is not an object (a primitive, or metadata-only `_x`). */
  primitive: boolean;
  children: TreeNode[];
  /** Steps from the resource root to the value. */
  steps: ReadonlyArray<readonly [string, number | null]>;
}

export interface ResourceTree {
  root: TreeNode;
  byLoc: Map<string, TreeNode>;
  /** Nested resources (entry.resource, contained, …) with their location. */
  nested: TreeNode[];
}

export const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const PRIMITIVES = new Set([
  'boolean',
  'integer',
  'integer64',
  'string',
  'decimal',
  'uri',
  'url',
  'canonical',
  'base64Binary',
  'instant',
  'date',
  'dateTime',
  'time',
  'code',
  'oid',
  'id',
  'markdown',
  'unsignedInt',
  'positiveInt',
  'uuid',
  'xhtml',
]);
const QUANTITIES = new Set([
  'Quantity',
  'Age',
  'Count',
  'Distance',
  'Duration',
  'Money',
  'SimpleQuantity',
  'MoneyQuantity',
]);
export const isQuantityType = (t: string) => QUANTITIES.has(t);

/**
 * The FHIR type of a fhirpath.js node. fhirpath.js types `id` and `Extension.url` as `System.String`
 * and leaves some choice elements in backbone elements untyped; both are recovered here.
 */
export function fhirType(n: FpNode, parentType: string | null): string {
  const t = n.fhirNodeDataType;
  const prop = n.propName ?? '';
  if (t?.startsWith('System.')) {
    if (prop === 'id') return 'id';
    if (prop === 'url') return 'uri';
    return t.slice(7).toLowerCase();
  }
  if (t) return t;
  const choice = /^[a-z][a-zA-Z]*?([A-Z][a-zA-Z0-9]*)$/.exec(prop);
  if (choice) {
    const lower = choice[1][0].toLowerCase() + choice[1].slice(1);
    if (PRIMITIVES.has(lower)) return lower;
    return choice[1];
  }
  if (parentType && QUANTITIES.has(parentType) && prop === 'value') return 'decimal';
  if (isObject(n.data) && typeof (n.data as JsonObject).resourceType === 'string')
    return (n.data as JsonObject).resourceType as string;
  if (typeof n.data === 'string') return 'string';
  if (typeof n.data === 'boolean') return 'boolean';
  if (typeof n.data === 'number') return 'decimal';
  return isObject(n.data) ? 'Element' : 'string';
}

/** The JSON key of a node: navigation by `Observation.value` names the choice `value`, JSON says `valueQuantity`. */
function jsonKey(n: FpNode): string {
  const k = n.propName as string;
  const pd = n.parentResNode?.data;
  if (!isObject(pd) || k in pd) return k;
  for (const c of Object.keys(pd))
    if (c.length > k.length && c.startsWith(k) && /[A-Z]/.test(c[k.length])) return c;
  return k;
}

function locOf(n: FpNode, memo: WeakMap<FpNode, string>): string | null {
  if (!n.parentResNode) return '';
  const m = memo.get(n);
  if (m !== undefined) return m;
  if (!n.propName) return null;
  const p = locOf(n.parentResNode, memo);
  if (p === null) return null;
  const key = jsonKey(n);
  const seg = n.index !== null && n.index !== undefined ? `${key}[${n.index}]` : key;
  const loc = p ? `${p}.${seg}` : seg;
  memo.set(n, loc);
  return loc;
}

/** Reads the value at `steps` (undefined when a step is missing). */
export function getAt(root: JsonObject, steps: TreeNode['steps']): Json | undefined {
  let cur: Json | undefined = root;
  for (const [k, i] of steps) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
    if (i !== null) cur = Array.isArray(cur) ? cur[i] : undefined;
  }
  return cur;
}

/** Writes `value` at `steps`; `undefined` marks it for removal. Returns false when the place is gone. */
export function setAt(root: JsonObject, steps: TreeNode['steps'], value: Json | undefined): boolean {
  if (!steps.length) return false;
  const parent = getAt(root, steps.slice(0, -1));
  if (!isObject(parent)) return false;
  const [k, i] = steps[steps.length - 1];
  if (i === null) {
    if (value === undefined) delete parent[k];
    else parent[k] = value;
    return true;
  }
  const arr = parent[k];
  if (!Array.isArray(arr) || i >= arr.length) return false;
  arr[i] = value === undefined ? null : value;
  return true;
}

const model = r4 as unknown as Parameters<typeof fhirpath.evaluate>[3];

/** Builds the typed tree of `resource` (a JSON object with `resourceType`). */
export function buildTree(resource: JsonObject): ResourceTree {
  const root: TreeNode = {
    loc: '',
    key: '',
    index: null,
    type: String(resource.resourceType),
    parent: null,
    primitive: false,
    children: [],
    steps: [],
  };
  const byLoc = new Map<string, TreeNode>([['', root]]);
  const nested: TreeNode[] = [];
  const all = fhirpath.evaluate(resource, 'descendants()', undefined, model, {
    resolveInternalTypes: false,
  }) as FpNode[];
  const memo = new WeakMap<FpNode, string>();
  const nestedSet = new Set<TreeNode>();
  const skipped = new Set<string>();
  // descendants() lists parents before their children; later passes catch any that it does not.
  let pending = all.filter((n) => n && typeof n === 'object' && 'parentResNode' in n);
  for (let pass = 0; pass < 3 && pending.length; pass++) {
    const later: FpNode[] = [];
    for (const n of pending) {
      const loc = locOf(n, memo);
      if (loc === null || byLoc.has(loc) || skipped.has(loc)) continue;
      const parentLoc = n.parentResNode ? locOf(n.parentResNode, memo) : null;
      if (parentLoc === null) continue;
      if (skipped.has(parentLoc)) {
        skipped.add(loc);
        continue;
      }
      const parent = byLoc.get(parentLoc);
      if (!parent) {
        later.push(n);
        continue;
      }
      if (nestedSet.has(parent)) {
        skipped.add(loc); // its contents belong to the nested resource
        continue;
      }
      const key = jsonKey(n);
      const index = n.index ?? null;
      const base = parent.primitive
        ? [...parent.steps.slice(0, -1), [`_${parent.key}`, parent.index] as const]
        : parent.steps;
      const steps = [...base, [key, index] as const];
      const raw = getAt(resource, steps);
      const node: TreeNode = {
        loc,
        key,
        index,
        type: fhirType(n, parent.type),
        parent,
        primitive: !isObject(raw),
        children: [],
        steps,
      };
      if (isObject(raw) && typeof raw.resourceType === 'string') {
        nested.push(node);
        nestedSet.add(node);
        byLoc.set(loc, node);
        continue;
      }
      byLoc.set(loc, node);
      parent.children.push(node);
    }
    pending = later;
  }
  for (const n of nested) byLoc.delete(n.loc);
  return { root, byLoc, nested };
}

/** Maps FHIRPath results back to tree nodes (results that are not elements of this resource are dropped). */
export function nodesOf(results: unknown[], tree: ResourceTree): TreeNode[] {
  const memo = new WeakMap<FpNode, string>();
  const out: TreeNode[] = [];
  for (const r of results) {
    if (!r || typeof r !== 'object' || !('parentResNode' in r)) continue;
    const loc = locOf(r as FpNode, memo);
    const node = loc === null ? undefined : tree.byLoc.get(loc);
    if (node) out.push(node);
  }
  return out;
}

export { fhirpath, model as r4Model };
