'use strict';
// A NestJS API in plain CommonJS JavaScript: controllers are declared with Nest's decorator
// functions applied by hand (no TypeScript compile step). Started with
// `node --import @otel-lifeline/node/register server.cjs`.
require('reflect-metadata');
const {
  Controller,
  Get,
  Post,
  Param,
  HttpCode,
  NotFoundException,
  UnauthorizedException,
  Module,
} = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');

const items = new Map([
  ['1', { id: '1', name: 'kettle' }],
  ['2', { id: '2', name: 'teapot' }],
]);

class HealthController {
  health() {
    return { ok: true };
  }
}
Controller('health')(HealthController);
Get()(
  HealthController.prototype,
  'health',
  Object.getOwnPropertyDescriptor(HealthController.prototype, 'health'),
);

class ItemsController {
  item(id) {
    const item = items.get(id);
    if (!item) throw new NotFoundException('not found');
    return item;
  }
  login() {
    throw new UnauthorizedException('bad credentials');
  }
  fail() {
    throw new Error('boom');
  }
}
Controller('api')(ItemsController);
const describe = (name) => Object.getOwnPropertyDescriptor(ItemsController.prototype, name);
Get('items/:id')(ItemsController.prototype, 'item', describe('item'));
Param('id')(ItemsController.prototype, 'item', 0);
Reflect.defineMetadata('design:paramtypes', [String], ItemsController.prototype, 'item');
Post('login')(ItemsController.prototype, 'login', describe('login'));
HttpCode(401)(ItemsController.prototype, 'login', describe('login'));
Get('fail')(ItemsController.prototype, 'fail', describe('fail'));

class AppModule {}
Module({ controllers: [HealthController, ItemsController] })(AppModule);

async function main() {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
  console.log(`listening on http://127.0.0.1:${app.getHttpServer().address().port}`);
}
main().catch((error) => {
  console.error(error);
  process.exit(1);
});
