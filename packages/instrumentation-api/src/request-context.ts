import { context as contextApi } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import type { Server } from 'node:http';
import { requestRecords } from './request-record.js';

/**
 * Runs a request's handlers and the listeners added to its request and response inside the
 * request's context (the server span's), as the standard http instrumentation does:
 *
 *   server.emit('request' | 'checkContinue' | 'checkExpectation') ──► inside record.context
 *   request/response .on/.addListener/.prependListener/.once/.prependOnceListener(listener)
 *                                      ──► the listener runs inside the context it was bound to
 *
 * A body parser's `request.on('end', …)` fires from the socket's callback, whose context is the
 * connection's, not the request's; binding gives the rest of the handler chain the server span.
 *
 * Written here rather than with `context.bind(context, emitter)` of the context manager, which
 * does the same through closures made for each emitter and a WeakMap per event, at about a tenth
 * of a request's whole budget. Here the add methods of `IncomingMessage` and `ServerResponse` are
 * replaced once, on their prototypes; each reads the context from the request's record and binds
 * only when the record has a server span of ours, so nothing is added to each request or response
 * object (five own methods per object changed their shape on every request). A bound listener
 * keeps the original as `.listener`, the property Node's own `removeListener` and `listeners()`
 * already honour for `once` wrappers, so removing by the original listener needs no patch.
 */

type Listener = (...args: unknown[]) => unknown;
type AddListener = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;
type Wrapped = Listener & { listener: Listener };
type AddMethods = Record<
  'on' | 'addListener' | 'prependListener' | 'once' | 'prependOnceListener',
  AddListener
>;

function bound(context: Context, listener: Listener): Wrapped {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return contextApi.with(context, listener, this, ...args);
  } as Wrapped;
  wrapped.listener = listener;
  return wrapped;
}

function boundOnce(
  emitter: EventEmitter,
  event: string | symbol,
  context: Context,
  listener: Listener,
): Wrapped {
  let fired = false;
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    if (fired) return undefined;
    fired = true;
    emitter.removeListener(event, wrapped);
    return contextApi.with(context, listener, this, ...args);
  } as Wrapped;
  wrapped.listener = listener;
  return wrapped;
}

/** The context listeners of the request `request` are bound to: its server span's, when it has one of ours. */
function boundContext(request: IncomingMessage | undefined): Context | undefined {
  const record = request === undefined ? undefined : requestRecords.get(request);
  return record?.span === undefined ? undefined : record.context;
}

/**
 * Listeners Node's http server adds to every request and response, which run no code of the
 * app's and need no context: the response's 'finish' listener, added just after Node publishes
 * `http.server.request.start` (so after the span started, and before any listener of the app's:
 * it is the response's first 'finish' listener), ends the exchange (detaches the socket, emits
 * 'close' on a later tick, lets the connection's next request in), and adds `clearIncoming` to the
 * request's 'end' when its body was not read. Entering the request's context for them cost about
 * 1 µs of every request of an Express server (a context frame made and left each time, under
 * --cpu-prof), for nothing: the listeners the app adds to 'close' or 'end' are bound on their own.
 * Told apart by position and by name, not by the bound function's name (`bound resOnFinish`),
 * which V8 builds afresh at each read.
 */
function isNodeOwnListener(emitter: EventEmitter, event: string | symbol, listener: Listener): boolean {
  if (event === 'finish') return emitter.listenerCount('finish') === 0;
  return event === 'end' && listener.name === 'clearIncoming';
}

/**
 * Replaces the add methods of one prototype: bound, the listener is added by the method the
 * prototype had (`on` or `prependListener`: a Readable's `on` starts the flow of 'data');
 * unbound, the call goes to the method it replaced.
 */
function bindAddMethods(
  prototype: AddMethods,
  requestOf: (emitter: EventEmitter) => IncomingMessage | undefined,
): void {
  const { on, prependListener, once, prependOnceListener } = prototype;
  const adding = (add: AddListener, asOnce: boolean, unbound: AddListener): AddListener =>
    function (this: EventEmitter, event: string | symbol, listener: Listener): EventEmitter {
      const context = boundContext(requestOf(this));
      if (context === undefined || isNodeOwnListener(this, event, listener))
        return unbound.call(this, event, listener);
      return add.call(
        this,
        event,
        asOnce ? boundOnce(this, event, context, listener) : bound(context, listener),
      );
    };
  const boundOn = adding(on, false, on);
  Object.assign(prototype, {
    on: boundOn,
    addListener: boundOn,
    prependListener: adding(prependListener, false, prependListener),
    once: adding(on, true, once),
    prependOnceListener: adding(prependListener, true, prependOnceListener),
  });
}

// Registered: a second copy of this package (the app's, next to the bundled one) finds it done.
const BOUND = Symbol.for('@otel-lifeline/instrumentation-api.boundRequestEmitters');

/**
 * From now on, listeners added to a request or response whose record has a server span run
 * inside the record's context. Once per process; other requests and responses, and client
 * responses, are left as they were.
 */
export function bindRequestEmitters(): void {
  const marks = globalThis as { [BOUND]?: true };
  if (marks[BOUND] === true) return;
  marks[BOUND] = true;
  bindAddMethods(IncomingMessage.prototype as unknown as AddMethods, (request) => request as IncomingMessage);
  bindAddMethods(
    ServerResponse.prototype as unknown as AddMethods,
    (response) => (response as ServerResponse).req,
  );
}

const ACTIVATED: unique symbol = Symbol('lifeline.serverRequestContext');
type ActivatedServer = Server & { [ACTIVATED]?: true };
type Emit = (this: Server, event: string | symbol, ...args: unknown[]) => boolean;

/**
 * Makes a server run its request handlers inside each request's `record.context`: its own `emit`
 * (the prototype's is left alone) enters the context for the events that carry a request. Node
 * publishes `http.server.request.start` just before it emits 'request', so wrapping on the first
 * start covers that first request too.
 */
export function runHandlersInRequestContext(server: Server): void {
  if ((server as ActivatedServer)[ACTIVATED] === true) return;
  (server as ActivatedServer)[ACTIVATED] = true;
  const emit = server.emit as Emit;
  server.emit = function emitInRequestContext(
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (event === 'request' || event === 'checkContinue' || event === 'checkExpectation') {
      const record = requestRecords.get(args[0] as IncomingMessage);
      if (record?.context !== undefined) return contextApi.with(record.context, emit, this, event, ...args);
    }
    return emit.call(this, event, ...args);
  } as Server['emit'];
}
