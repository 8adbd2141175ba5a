import type { Attributes } from '@opentelemetry/api';
import type { Resource as SdkResource } from '@opentelemetry/resources';
import type { InstrumentationScope, Resource } from './common-types.js';
import { ProtobufWriter } from './protobuf-writer.js';
import { toKeyValues } from './sdk-value-converter.js';
import { writeAttributes } from './sdk-value-writer.js';

/**
 * Resources and instrumentation scopes repeat on every record: their encoded bytes are computed
 * once per object and kept in WeakMaps (a resource whose async attributes are still pending is not
 * cached). Records are grouped by resource, then scope, in order of first appearance; two distinct
 * objects with the same encoded content and schema URL share a group.
 *
 *   [ResourceGroup { resource, bytes, scopes: [ScopeGroup { scope, bytes, items[] }, ...] }, ...]
 */
/** An SDK instrumentation scope (`InstrumentationScope` of `@opentelemetry/core`, either line). */
export interface ScopeLike {
  readonly name: string;
  readonly version?: string;
  readonly schemaUrl?: string;
  readonly attributes?: Attributes;
  readonly droppedAttributesCount?: number;
}

/** A scope's group: its `items` are the records themselves, or (incremental encoding) their bytes. */
export interface ScopeGroupOf<S> {
  readonly scope: ScopeLike;
  /** `scope` field (tag 0x0a) of ScopeLogs/ScopeSpans/ScopeMetrics, tag and length included. */
  readonly scopeField: Uint8Array;
  readonly items: S;
}

export interface ResourceGroupOf<S> {
  readonly resource: SdkResource;
  /** `resource` field (tag 0x0a) of ResourceLogs/ResourceSpans/ResourceMetrics. */
  readonly resourceField: Uint8Array;
  readonly scopes: ScopeGroupOf<S>[];
}

export type ResourceGroup<T> = ResourceGroupOf<T[]>;

const resourceCache = new WeakMap<object, Uint8Array>();
const scopeCache = new WeakMap<object, Uint8Array>();
const fieldWriter = new ProtobufWriter(1024);

export function resourceField(resource: SdkResource): Uint8Array {
  const cached = resourceCache.get(resource);
  if (cached !== undefined) return cached;
  fieldWriter.reset();
  fieldWriter.varint32(0x0a);
  const start = fieldWriter.fork(2);
  writeAttributes(fieldWriter, 0x0a, resource.attributes); // Resource.attributes
  fieldWriter.join(start, 2);
  const bytes = fieldWriter.finish();
  if (!resource.asyncAttributesPending) resourceCache.set(resource, bytes);
  return bytes;
}

export function scopeField(scope: ScopeLike): Uint8Array {
  const cached = scopeCache.get(scope);
  if (cached !== undefined) return cached;
  fieldWriter.reset();
  fieldWriter.varint32(0x0a);
  const start = fieldWriter.fork(1);
  if (scope.name) {
    fieldWriter.varint32(0x0a);
    fieldWriter.string(scope.name);
  }
  if (scope.version) {
    fieldWriter.varint32(0x12);
    fieldWriter.string(scope.version);
  }
  writeAttributes(fieldWriter, 0x1a, scope.attributes);
  if (scope.droppedAttributesCount) {
    fieldWriter.varint32(0x20);
    fieldWriter.varint32(scope.droppedAttributesCount);
  }
  fieldWriter.join(start, 1);
  const bytes = fieldWriter.finish();
  scopeCache.set(scope, bytes);
  return bytes;
}

/** The object form of what {@link resourceField} writes. */
export function toResource(resource: SdkResource): Resource {
  const attributes = toKeyValues(resource.attributes);
  return attributes ? { attributes } : {};
}

/** The object form of what {@link scopeField} writes. */
export function toScope(scope: ScopeLike): InstrumentationScope {
  const out: InstrumentationScope = {};
  if (scope.name) out.name = scope.name;
  if (scope.version) out.version = scope.version;
  const attributes = toKeyValues(scope.attributes);
  if (attributes) out.attributes = attributes;
  if (scope.droppedAttributesCount) out.droppedAttributesCount = scope.droppedAttributesCount;
  return out;
}

function contentKey(bytes: Uint8Array, schemaUrl: string | undefined): string {
  return `${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')}\u0000${schemaUrl ?? ''}`;
}

/**
 * Groups by resource, then scope, as items arrive: `itemsOf(resource, scope)` returns the group's
 * `items` (made by `newItems` for a group's first item). Two distinct objects with the same
 * encoded content and schema URL share a group; consecutive items of the same objects take a
 * shortcut past the maps.
 */
export class ResourceScopeGroups<S> {
  readonly groups: ResourceGroupOf<S>[] = [];
  private byResource = new Map<object, ResourceGroupOf<S>>();
  private byResourceContent = new Map<string, ResourceGroupOf<S>>();
  private byScope = new Map<ResourceGroupOf<S>, Map<object, ScopeGroupOf<S>>>();
  private byScopeContent = new Map<ResourceGroupOf<S>, Map<string, ScopeGroupOf<S>>>();
  private lastResource: SdkResource | undefined;
  private lastScope: ScopeLike | undefined;
  private lastGroup: ScopeGroupOf<S> | undefined;

  constructor(private readonly newItems: () => S) {}

  itemsOf(resource: SdkResource, scope: ScopeLike): S {
    if (resource === this.lastResource && scope === this.lastScope && this.lastGroup !== undefined) {
      return this.lastGroup.items;
    }
    let resourceGroup = this.byResource.get(resource);
    if (resourceGroup === undefined) {
      const field = resourceField(resource);
      const key = contentKey(field, resource.schemaUrl);
      resourceGroup = this.byResourceContent.get(key);
      if (resourceGroup === undefined) {
        resourceGroup = { resource, resourceField: field, scopes: [] };
        this.groups.push(resourceGroup);
        this.byResourceContent.set(key, resourceGroup);
        this.byScope.set(resourceGroup, new Map());
        this.byScopeContent.set(resourceGroup, new Map());
      }
      this.byResource.set(resource, resourceGroup);
    }
    const scopes = this.byScope.get(resourceGroup)!;
    let scopeGroup = scopes.get(scope);
    if (scopeGroup === undefined) {
      const field = scopeField(scope);
      const key = contentKey(field, scope.schemaUrl);
      const scopesByContent = this.byScopeContent.get(resourceGroup)!;
      scopeGroup = scopesByContent.get(key);
      if (scopeGroup === undefined) {
        scopeGroup = { scope, scopeField: field, items: this.newItems() };
        resourceGroup.scopes.push(scopeGroup);
        scopesByContent.set(key, scopeGroup);
      }
      scopes.set(scope, scopeGroup);
    }
    this.lastResource = resource;
    this.lastScope = scope;
    this.lastGroup = scopeGroup;
    return scopeGroup.items;
  }

  /** Forgets every group (the caller has taken what their items hold). */
  clear(): void {
    this.groups.length = 0;
    this.byResource.clear();
    this.byResourceContent.clear();
    this.byScope.clear();
    this.byScopeContent.clear();
    this.lastResource = undefined;
    this.lastScope = undefined;
    this.lastGroup = undefined;
  }
}

export function groupByResourceAndScope<T>(
  items: readonly T[],
  resourceOf: (item: T) => SdkResource,
  scopeOf: (item: T) => ScopeLike,
): ResourceGroup<T>[] {
  const grouping = new ResourceScopeGroups<T[]>(() => []);
  for (const item of items) grouping.itemsOf(resourceOf(item), scopeOf(item)).push(item);
  return grouping.groups;
}

/**
 * Writes one resource envelope, the same for every signal: Resource{Logs,Spans,Metrics} holds
 * `resource` (1), its Scope{Logs,Spans,Metrics} (2, repeated) and `schema_url` (3); each scope
 * holds `scope` (1), its items (2, written by `writeItem`, tag included) and `schema_url` (3).
 * Called once per resource, after the request's own tag (field 1 of every Export*ServiceRequest).
 */
export function writeResourceEnvelope<T>(
  w: ProtobufWriter,
  resource: { readonly field: Uint8Array; readonly schemaUrl: string | undefined },
  scopes: Iterable<{
    readonly field: Uint8Array;
    readonly schemaUrl: string | undefined;
    readonly items: Iterable<T>;
  }>,
  writeItem: (w: ProtobufWriter, item: T) => void,
): void {
  w.varint32(0x0a);
  const resourceMessage = w.fork(3);
  w.raw(resource.field);
  for (const scope of scopes) {
    w.varint32(0x12);
    const scopeMessage = w.fork(3);
    w.raw(scope.field);
    for (const item of scope.items) writeItem(w, item);
    if (scope.schemaUrl) {
      w.varint32(0x1a);
      w.string(scope.schemaUrl);
    }
    w.join(scopeMessage, 3);
  }
  if (resource.schemaUrl) {
    w.varint32(0x1a);
    w.string(resource.schemaUrl);
  }
  w.join(resourceMessage, 3);
}

/** A resource group in the shape `writeResourceEnvelope` takes. */
export function envelopeOf<T>(group: ResourceGroup<T>) {
  return {
    resource: { field: group.resourceField, schemaUrl: group.resource.schemaUrl },
    scopes: group.scopes.map((s) => ({ field: s.scopeField, schemaUrl: s.scope.schemaUrl, items: s.items })),
  };
}
