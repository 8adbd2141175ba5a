// node [--import ../frameworks/zero-code.mjs] serve.mjs <express|fastify>
import 'reflect-metadata';
import { serveNest } from '../frameworks/nest-serve.mjs';

await serveNest((name) => import(name));
