import { context as contextApi } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server } from 'node:http';
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
 * of a request's whole budget. Here the add methods are functions shared by every emitter, which
 * read the context from a symbol property; a bound listener keeps the original as `.listener`, the
 * property Node's own `removeListener` and `listeners()` already honour for `once` wrappers, so
 * removing by the original listener needs no patch.
 */

const CONTEXT: unique symbol = Symbol('lifeline.emitterContext');
type Listener = (...args: unknown[]) => unknown;
type Bindable = EventEmitter & { [CONTEXT]?: Context };
type AddListener = (this: EventEmitter, event: string | symbol, listener: Listener) => EventEmitter;
type Wrapped = Listener & { listener: Listener };

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

/**
 * An add method for bound emitters (installed only on emitters that carry a context): the
 * listener is bound, then added by the emitter's own class's `on` or `prependListener` (a
 * Readable's `on` starts the flow of 'data').
 */
function adding(add: 'on' | 'prependListener', once: boolean): AddListener {
  return function (this: Bindable, event: string | symbol, listener: Listener): EventEmitter {
    const context = this[CONTEXT] as Context;
    const wrapped = once ? boundOnce(this, event, context, listener) : bound(context, listener);
    return (Object.getPrototypeOf(this) as Record<typeof add, AddListener>)[add].call(this, event, wrapped);
  };
}

const on = adding('on', false);
const ADD_METHODS = {
  on,
  addListener: on,
  prependListener: adding('prependListener', false),
  once: adding('on', true),
  prependOnceListener: adding('prependListener', true),
};

/**
 * Binds the listeners later added to `emitter` to `context`. An emitter whose add methods were
 * already replaced by someone else is bound by the context manager instead, so that theirs stay
 * in the chain.
 */
export function bindEmitter(context: Context, emitter: EventEmitter): void {
  if (Object.hasOwn(emitter, 'on') || Object.hasOwn(emitter, 'once')) {
    contextApi.bind(context, emitter);
    return;
  }
  (emitter as Bindable)[CONTEXT] = context;
  Object.assign(emitter, ADD_METHODS);
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
