import { createServer } from 'node:net';

/**
 * A port the kernel just handed out on 127.0.0.1 (listen(0), then closed). The Collector cannot
 * report the port it bound, so tests pick one this way and pass it in through the environment.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
