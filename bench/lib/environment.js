// The environment block every benchmark report carries: what machine produced the numbers.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32Implementation } from '@otel-lifeline/disk-queue';
import { median } from './stats.js';

function fileSystemType(dir) {
  // findmnt names the mount's type (ext4); `stat -f` only knows the superblock magic, which ext2,
  // ext3 and ext4 share ("ext2/ext3").
  for (const [command, args] of [
    ['findmnt', ['-n', '-o', 'FSTYPE', '--target', dir]],
    ['stat', ['-f', '-c', '%T', dir]],
  ]) {
    try {
      const type = execFileSync(command, args, {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
      if (type !== '') return type;
    } catch {
      // try the next one
    }
  }
  return 'unknown';
}

/**
 * Measures what one small durable write costs here: `write` of 4 KiB then `fdatasync`, repeated.
 * Every durability figure in the report is bounded by this number.
 */
export function measureFdatasync(dir, iterations = 200) {
  const file = path.join(fs.mkdtempSync(path.join(dir, 'lifeline-fsync-')), 'probe');
  const fd = fs.openSync(file, 'w');
  const block = Buffer.alloc(4096, 7);
  const samples = [];
  try {
    for (let i = 0; i < iterations; i++) {
      const start = process.hrtime.bigint();
      fs.writeSync(fd, block);
      fs.fdatasyncSync(fd);
      samples.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
  samples.sort((a, b) => a - b);
  return {
    iterations,
    medianUs: median(samples),
    p99Us: samples[Math.min(samples.length - 1, Math.floor(samples.length * 0.99))],
  };
}

export function describeEnvironment(tempDir = os.tmpdir()) {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tempDir: { fileSystem: fileSystemType(tempDir) },
    fdatasync: measureFdatasync(tempDir),
    // Which CRC-32 the queue frames with: the optional @node-rs/crc32 addon, or zlib's.
    crc32: crc32Implementation,
  };
}
